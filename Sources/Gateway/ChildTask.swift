/// Runs `body` in a child task and returns what it returns.
///
/// A task keeps the memory of its deepest call for as long as it lives: Swift's task
/// allocator gives slabs back only with the task. A waiting ask lives for minutes, so its
/// one-off deep steps (upstream calls, database writes before the wait) run in a child task
/// whose memory goes back when the step ends. The child inherits priority, task-locals,
/// cancellation and the executor preference (the request's loop).
///
/// Never inlined: an `async let` keeps several hundred bytes in its function's frame, and a
/// caller that waits for minutes must not carry that for each step it ran this way.
@inline(never)
func inChildTask<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
    async let value = body()
    return try await value
}
