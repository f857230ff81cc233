import EventLoop
import Metrics

/// How many of one kind of upstream work waiting asks may have under way at once, per process:
/// streams (`ASK_MAX_STREAMS`) and polls in flight (`ASK_MAX_POLLS`).
///
/// A streamed ask holds an upstream connection (and its descriptor) for the whole run; past its
/// budget, asks poll instead of queueing for a connection. A poll holds a connection and a
/// libcurl handle while it is in flight; past its budget, a poll waits for its ask's next pause,
/// so a process polling faster than the upstream answers does not pile up requests (and their
/// memory) without bound.
final class SlotBudget: Sendable {
    let limit: Int
    private let taken = LockedValue(0)
    /// The gauge of slots taken; looked up at first use, after the metrics system is set up
    /// (a handle made before that would stay a no-op).
    private let inUse: @Sendable () -> Meter

    init(limit: Int, inUse: @escaping @Sendable () -> Meter) {
        self.limit = max(0, limit)
        self.inUse = inUse
    }

    /// Takes a slot; false when all are taken. A true answer must be followed by `release()`.
    func tryAcquire() -> Bool {
        let acquired = taken.withLock { taken -> Bool in
            guard taken < limit else { return false }
            taken += 1
            return true
        }
        if acquired { inUse().increment() }
        return acquired
    }

    func release() {
        taken.withLock { $0 -= 1 }
        inUse().decrement()
    }
}
