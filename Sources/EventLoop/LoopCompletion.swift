/// Bridges one callback-driven loop operation into `async`: the operation starts on the loop
/// thread, completes exactly once, and is cancelled on the loop thread when the task is.
///
/// The outcome goes to the awaiting task through a pthread mutex, not through the
/// continuation: the concurrency runtime is not instrumented, and on the path where the loop
/// resumes before the task has suspended ThreadSanitizer saw no ordering between the loop
/// thread's writes (an object built there) and the task's reads of them, and reported a race.
public final class LoopCompletion<Value: Sendable>: @unchecked Sendable {  // fields other than `outcome` touched only on `loop`'s thread
    public let loop: EventLoop
    private var continuation: UnsafeContinuation<Void, Never>?
    private var cancelAction: (() -> Void)?
    private var cancelled = false
    private var started = false
    private let outcome = LockedValue<Result<Value, any Error>?>(nil)

    init(loop: EventLoop) { self.loop = loop }

    /// True once the operation finished (succeeded, failed or cancelled).
    public var isFinished: Bool { continuation == nil && started }

    /// Finishes with a value; later calls are ignored.
    public func succeed(_ value: Value) { finish(.success(value)) }

    /// Finishes with an error; later calls are ignored.
    public func fail(_ error: any Error) { finish(.failure(error)) }

    private func finish(_ result: Result<Value, any Error>) {
        loop.assertInLoop()
        guard let continuation else { return }
        self.continuation = nil
        cancelAction = nil
        outcome.withLock { $0 = result }
        continuation.resume()
    }

    /// The outcome, read under the mutex its writer released (after the continuation resumed).
    fileprivate func takeOutcome() throws -> Value {
        guard let result = outcome.withLock({ $0 }) else { throw CancellationError() }
        return try result.get()
    }

    /// Sets what to undo when the task is cancelled before completion. Runs on the loop thread,
    /// after which the operation fails with `CancellationError`.
    public func onCancel(_ action: @escaping () -> Void) {
        cancelAction = action
    }

    fileprivate func begin(_ continuation: UnsafeContinuation<Void, Never>, _ start: (LoopCompletion<Value>) -> Void) {
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
///
/// A task off the loop moves there first (for the call only). The loop then resumes it on its
/// own thread: a resume from another thread can come before the task has suspended, and
/// ThreadSanitizer (the concurrency runtime is not instrumented) then sees the task's next
/// writes to its own frames race the loop's reads of them during the resume.
public func withLoopCallback<Value: Sendable>(
    on loop: EventLoop,
    _ start: @escaping (LoopCompletion<Value>) -> Void
) async throws -> Value {
    if loop.inLoop { return try await withLoopCallbackOnLoop(loop, start) }
    let transfer = UnsafeTransfer(start)
    return try await withTaskExecutorPreference(loop) { try await withLoopCallbackOnLoop(loop, transfer.value) }
}

private func withLoopCallbackOnLoop<Value: Sendable>(
    _ loop: EventLoop, _ start: @escaping (LoopCompletion<Value>) -> Void
) async throws -> Value {
    let completion = LoopCompletion<Value>(loop: loop)
    let transfer = UnsafeTransfer(start)
    await withTaskCancellationHandler {
        await withUnsafeContinuation { continuation in
            loop.executeSoonOrNow { completion.begin(continuation, transfer.value) }
        }
    } onCancel: {
        loop.executeSoonOrNow { completion.cancel() }
    }
    return try completion.takeOutcome()
}

/// Moves a non-Sendable value across an isolation boundary when the caller guarantees
/// that only one side uses it at a time.
public struct UnsafeTransfer<Value>: @unchecked Sendable {  // the caller hands the value over, never shares it
    public let value: Value
    public init(_ value: Value) { self.value = value }
}
