import EventLoop

/// What became of work run with a deadline.
enum DeadlineOutcome<Value: Sendable>: Sendable {
    case finished(Value)
    case failed(any Error)
    /// The deadline passed first; the work was cancelled and left to end on its own.
    case timedOut
}

extension EventLoop {
    /// Runs `body` in a task on this loop and returns when it ends or `timeout` passes,
    /// whichever comes first — so the caller waits at most `timeout` even when `body` is stuck
    /// in something it cannot abandon quickly (a connect, a cancel request's grace period).
    func run<Value: Sendable>(
        timeout: Duration, _ body: @escaping @Sendable () async throws -> Value
    ) async -> DeadlineOutcome<Value> {
        do {
            return try await withLoopCallback(on: self) { (completion: LoopCompletion<DeadlineOutcome<Value>>) in
                let timer = LoopTimer(loop: self)
                let task = Task(executorPreference: self) {
                    let outcome: DeadlineOutcome<Value>
                    do { outcome = .finished(try await body()) } catch { outcome = .failed(error) }
                    self.executeSoonOrNow {
                        timer.close()
                        completion.succeed(outcome)
                    }
                }
                timer.start(after: timeout) {
                    timer.close()
                    task.cancel()
                    completion.succeed(.timedOut)
                }
                completion.onCancel {
                    timer.close()
                    task.cancel()
                }
            }
        } catch {
            return .failed(error)  // the caller's task was cancelled
        }
    }
}
