internal import CUV

/// Delivers a POSIX signal (SIGTERM, SIGINT, …) as a callback on a loop thread.
public final class SignalWatcher: LoopHandle, @unchecked Sendable {  // confined to its loop thread
    private var callback: ((Int32) -> Void)?

    public init(loop: EventLoop) throws(EventLoopError) {
        loop.assertInLoop()
        super.init(loop: loop, type: UV_SIGNAL)
        try uvCheck(uv_signal_init(loop.uv, signalHandle), "uv_signal_init")
        adopt()
    }

    private var signalHandle: UnsafeMutablePointer<uv_signal_t> {
        rawHandle.assumingMemoryBound(to: uv_signal_t.self)
    }

    /// Calls `callback` every time `signal` arrives.
    public func start(signal: Int32, _ callback: @escaping (Int32) -> Void) throws(EventLoopError) {
        self.callback = callback
        try uvCheck(
            uv_signal_start(signalHandle, { handle, signum in
                LoopHandle.owner(handle, as: SignalWatcher.self).callback?(signum)
            }, signal), "uv_signal_start")
    }

    /// Lets the loop end while this watcher is still open.
    public func unreference() { uv_unref(handle) }

    override func willClose() { callback = nil }
}
