internal import CUV

/// Owns one libuv handle: its memory never moves, and the handle keeps its owner alive
/// (through `handle.data`) from `adopt()` until the close callback, where the memory is freed.
/// Subclasses add the typed operations. Confined to the loop's thread.
public class LoopHandle: @unchecked Sendable {  // confined to `loop`'s thread
    public let loop: EventLoop
    let rawHandle: UnsafeMutableRawPointer
    private var adopted = false
    /// True from `close()` on.
    public private(set) var isClosed = false

    init(loop: EventLoop, type: uv_handle_type) {
        self.loop = loop
        rawHandle = .allocate(byteCount: uv_handle_size(type), alignment: 16)
    }

    deinit {
        // Reached only when `adopt()` never ran (the init call failed) or after the close callback.
        if !adopted { rawHandle.deallocate() }
    }

    var handle: UnsafeMutablePointer<uv_handle_t> { rawHandle.assumingMemoryBound(to: uv_handle_t.self) }

    /// Call right after the libuv init call succeeded.
    func adopt() {
        adopted = true
        handle.pointee.data = Unmanaged.passRetained(self).toOpaque()
        loop.handleOpened()
    }

    /// Recovers the owner inside a libuv callback.
    static func owner<T: LoopHandle>(_ raw: UnsafeMutableRawPointer?, as: T.Type = T.self) -> T {
        let handle = raw!.assumingMemoryBound(to: uv_handle_t.self)
        return Unmanaged<T>.fromOpaque(handle.pointee.data!).takeUnretainedValue()
    }

    /// Closes the handle; `didClose()` runs from libuv's close callback. Idempotent.
    public func close() {
        guard beginClosing() else { return }
        uv_close(handle, LoopHandle.closeCallback)
    }

    /// Marks the handle closing and runs `willClose()`; false when it already was (or never opened).
    func beginClosing() -> Bool {
        loop.assertInLoop()
        guard !isClosed, adopted else { return false }
        isClosed = true
        willClose()
        return true
    }

    /// The one close callback: balances `adopt()`'s retain and frees the handle's memory.
    static let closeCallback: uv_close_cb = { handle in
        let owner = Unmanaged<LoopHandle>.fromOpaque(handle!.pointee.data!).takeRetainedValue()
        handle!.pointee.data = nil
        owner.loop.handleClosed()
        owner.didClose()
        owner.rawHandle.deallocate()
    }

    /// Runs when `close()` starts, before libuv is told. Subclasses fail their waiters here.
    func willClose() {}
    /// Runs in the close callback, before the memory is freed.
    func didClose() {}
}
