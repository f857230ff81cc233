import Synchronization

/// How many asks may follow their run over an upstream stream at once, per process.
///
/// A streamed ask holds an upstream connection (and its descriptor) for the whole run. Past
/// the budget, asks poll instead of queueing for a connection: they cost more upstream
/// requests but neither stall nor run the process out of descriptors.
final class StreamBudget: Sendable {
    let limit: Int
    private let open = Mutex(0)

    init(limit: Int) {
        self.limit = max(0, limit)
    }

    /// Takes a slot; false when all are taken. A true answer must be followed by `release()`.
    func tryAcquire() -> Bool {
        let taken = open.withLock { open -> Bool in
            guard open < limit else { return false }
            open += 1
            return true
        }
        if taken { AskMetrics.streaming.increment() }
        return taken
    }

    func release() {
        open.withLock { $0 -= 1 }
        AskMetrics.streaming.decrement()
    }
}
