internal import EventLoop

extension EventLoop {
    /// True when the current task runs on this loop's thread and prefers this loop as its
    /// executor, so that code after each `await` resumes here without pushing the preference
    /// again. Being on the thread is not enough: an actor isolated to the loop may run a task
    /// with no preference, whose nonisolated callees would resume on the global executor.
    var runsCurrentTask: Bool {
        guard inLoop else { return false }
        let loopExecutor = asUnownedTaskExecutor()
        return withUnsafeCurrentTask { $0?.unownedTaskExecutor == loopExecutor }
    }
}

/// Runs `body` on `loop` in a task that prefers it: directly when the caller already does (the
/// common case: a request handler on its worker's loop), else under
/// `withTaskExecutorPreference`, whose status record costs an allocation and two lock rounds.
func onLoop<T, Failure: Error>(
    _ loop: EventLoop, _ body: () async throws(Failure) -> T
) async throws(Failure) -> T {
    if loop.runsCurrentTask { return try await body() }
    return try await withTaskExecutorPreference(loop, operation: body)
}
