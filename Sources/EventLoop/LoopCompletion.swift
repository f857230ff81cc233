/// Bridges one callback-driven loop operation into `async`: the operation starts on the loop
/// thread, completes exactly once, and is cancelled on the loop thread when the task is.
public final class LoopCompletion<Value: Sendable>: @unchecked Sendable {  // fields touched only on `loop`'s thread
    public let loop: EventLoop
    private var continuation: UnsafeContinuation<Value, any Error>?
    private var cancelAction: (() -> Void)?
    private var cancelled = false
    private var started = false

    init(loop: EventLoop) { self.loop = loop }

    /// True once the operation finished (succeeded, failed or cancelled).
    public var isFinished: Bool { continuation == nil && started }

    /// Finishes with a value; later calls are ignored.
    public func succeed(_ value: Value) {
        loop.assertInLoop()
        guard let continuation else { return }
        self.continuation = nil
        cancelAction = nil
        continuation.resume(returning: value)
    }

    /// Finishes with an error; later calls are ignored.
    public func fail(_ error: any Error) {
        loop.assertInLoop()
        guard let continuation else { return }
        self.continuation = nil
        cancelAction = nil
        continuation.resume(throwing: error)
    }

    /// Sets what to undo when the task is cancelled before completion. Runs on the loop thread,
    /// after which the operation fails with `CancellationError`.
    public func onCancel(_ action: @escaping () -> Void) {
        cancelAction = action
    }

    fileprivate func begin(_ continuation: UnsafeContinuation<Value, any Error>, _ start: (LoopCompletion<Value>) -> Void) {
        started = true
        self.continuation = continuation
        if cancelled {
            fail(CancellationError())
            return
        }
        start(self)
    }

    fileprivate func cancel() {
        cancelled = true
        guard continuation != nil else { return }
        let action = cancelAction
        cancelAction = nil
        action?()
        fail(CancellationError())
    }
}

/// Runs `start` on `loop`'s thread (inline when already there) and suspends until it
/// completes the given `LoopCompletion`. Task cancellation runs its `onCancel` action on the loop.
public func withLoopCallback<Value: Sendable>(
    on loop: EventLoop,
    _ start: @escaping (LoopCompletion<Value>) -> Void
) async throws -> Value {
    let completion = LoopCompletion<Value>(loop: loop)
    let transfer = UnsafeTransfer(start)
    return try await withTaskCancellationHandler {
        try await withUnsafeThrowingContinuation { continuation in
            loop.executeSoonOrNow { completion.begin(continuation, transfer.value) }
        }
    } onCancel: {
        loop.executeSoonOrNow { completion.cancel() }
    }
}

/// Moves a non-Sendable value across an isolation boundary when the caller guarantees
/// that only one side uses it at a time.
public struct UnsafeTransfer<Value>: @unchecked Sendable {  // the caller hands the value over, never shares it
    public let value: Value
    public init(_ value: Value) { self.value = value }
}
