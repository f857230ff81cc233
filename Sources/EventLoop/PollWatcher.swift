internal import CUV

/// Readiness of a file descriptor, as libuv reports it.
public struct PollEvents: OptionSet, Hashable, Sendable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let readable = PollEvents(rawValue: Int32(UV_READABLE.rawValue))
    public static let writable = PollEvents(rawValue: Int32(UV_WRITABLE.rawValue))
    public static let disconnect = PollEvents(rawValue: Int32(UV_DISCONNECT.rawValue))
}

/// Watches a file descriptor someone else owns (a libpq or libcurl socket) for readiness.
/// Closing the watcher never closes the descriptor.
public final class PollWatcher: LoopHandle, @unchecked Sendable {  // confined to its loop thread
    private var callback: ((Result<PollEvents, EventLoopError>) -> Void)?
    /// The `wait(for:)` in progress, failed when the watcher closes first (so it never hangs).
    private var pendingWait: LoopCompletion<PollEvents>?
    public let fileDescriptor: Int32

    public init(loop: EventLoop, fileDescriptor: Int32) throws(EventLoopError) {
        loop.assertInLoop()
        self.fileDescriptor = fileDescriptor
        super.init(loop: loop, type: UV_POLL)
        try uvCheck(uv_poll_init_socket(loop.uv, poll, fileDescriptor), "uv_poll_init_socket")
        adopt()
    }

    private var poll: UnsafeMutablePointer<uv_poll_t> { rawHandle.assumingMemoryBound(to: uv_poll_t.self) }

    /// Calls `callback` each time one of `events` is ready, until `stop()` or `close()`.
    /// Calling it again replaces the events and callback.
    public func start(_ events: PollEvents, _ callback: @escaping (Result<PollEvents, EventLoopError>) -> Void) {
        guard !isClosed else { return }
        self.callback = callback
        let status = uv_poll_start(poll, events.rawValue) { handle, status, events in
            let watcher = LoopHandle.owner(handle, as: PollWatcher.self)
            if status < 0 {
                watcher.callback?(.failure(.uv(status, "poll")))
            } else {
                watcher.callback?(.success(PollEvents(rawValue: events)))
            }
        }
        if status < 0 { callback(.failure(.uv(status, "uv_poll_start"))) }
    }

    /// Stops watching without closing.
    public func stop() {
        guard !isClosed else { return }
        callback = nil
        uv_poll_stop(poll)
    }

    /// Suspends until one of `events` is ready once. Throws on poll errors and cancellation.
    public func wait(for events: PollEvents) async throws -> PollEvents {
        try await withLoopCallback(on: loop) { (completion: LoopCompletion<PollEvents>) in
            guard !self.isClosed else {
                completion.fail(EventLoopError(code: .loopClosed, operation: "wait on a closed poll watcher"))
                return
            }
            self.pendingWait = completion
            self.start(events) { result in
                self.stop()
                self.pendingWait = nil
                switch result {
                case .success(let ready): completion.succeed(ready)
                case .failure(let error): completion.fail(error)
                }
            }
            completion.onCancel {
                self.stop()
                self.pendingWait = nil
            }
        }
    }

    override func willClose() {
        callback = nil
        let waiting = pendingWait
        pendingWait = nil
        waiting?.fail(EventLoopError(code: .loopClosed, operation: "poll watcher closed"))
    }
}
