import EventLoop
import Metrics

/// How many of one kind of upstream work waiting asks may have under way at once, per process:
/// streams (`ASK_MAX_STREAMS`) and polls in flight (`ASK_MAX_POLLS`).
///
/// A streamed ask holds an upstream connection (and its descriptor) for the whole run; past its
/// budget, asks poll instead of queueing for a connection (``tryAcquire()``). A poll holds a
/// connection and a libcurl handle while it is in flight; past its budget, a poll waits in line
/// for a slot (``acquire(until:alarms:drain:)``), first come first served, so a process polling
/// faster than the upstream answers neither piles up requests (and their memory) without bound
/// nor leaves some asks unlucky for longer than others.
final class SlotBudget: Sendable {
    let limit: Int

    /// One place in line. Its fields are only read and written under the budget's lock.
    private final class Waiter: @unchecked Sendable {
        enum Standing {
            case waiting
            case granted
            case withdrawn
        }

        var standing = Standing.waiting
        /// Set once the waiting task has suspended.
        var continuation: UnsafeContinuation<Bool, Never>?
    }

    private struct State {
        var taken = 0
        /// Waiters in arrival order from `head` on; withdrawn ones are skipped when served.
        var line: [Waiter] = []
        var head = 0

        mutating func nextWaiting() -> Waiter? {
            while head < line.count {
                let waiter = line[head]
                head += 1
                if waiter.standing == .waiting { return waiter }
            }
            return nil
        }

        /// Drops the served part of the line once it is most of the array.
        mutating func compact() {
            guard head > 32, head * 2 > line.count else { return }
            line.removeFirst(head)
            head = 0
        }
    }

    private let state = LockedValue(State())
    /// The gauge of slots taken; looked up at first use, after the metrics system is set up
    /// (a handle made before that would stay a no-op).
    private let inUse: @Sendable () -> Meter
    /// Called each time a caller of `acquire` has to wait in line.
    private let onWait: @Sendable () -> Void

    init(limit: Int, inUse: @escaping @Sendable () -> Meter, onWait: @escaping @Sendable () -> Void = {}) {
        self.limit = max(0, limit)
        self.inUse = inUse
        self.onWait = onWait
    }

    /// Takes a slot; false when all are taken or others wait in line. A true answer must be
    /// followed by `release()`.
    func tryAcquire() -> Bool {
        let acquired = state.withLock { state -> Bool in
            guard state.taken < limit else { return false }
            state.taken += 1
            return true
        }
        if acquired { inUse().increment() }
        return acquired
    }

    /// What ``acquire(until:alarms:drain:)`` came back with.
    enum Acquisition: Equatable {
        /// A slot, to be given back with `release()`.
        case acquired
        /// No slot: the deadline passed, draining began, or the task was cancelled first.
        case deadline
        case draining
        case cancelled
    }

    /// Takes a slot, waiting in line behind earlier callers while all are taken, until
    /// `deadline`, draining, or the task's cancellation.
    func acquire(until deadline: ContinuousClock.Instant, alarms: AlarmClock, drain: DrainSignal) async -> Acquisition {
        let waiter = state.withLock { state -> Waiter? in
            guard state.taken >= limit else {
                state.taken += 1
                return nil
            }
            let waiter = Waiter()
            state.line.append(waiter)
            return waiter
        }
        guard let waiter else {
            inUse().increment()
            return .acquired
        }
        onWait()
        let interruption = WaitInterruption(deadline: deadline, alarms: alarms, drain: drain) { [weak self] in
            self?.withdraw(waiter)
        }
        let granted = await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Bool, Never>) in
                let answer = state.withLock { _ -> Bool? in
                    switch waiter.standing {
                    case .granted: return true
                    case .withdrawn: return false
                    case .waiting:
                        waiter.continuation = continuation
                        return nil
                    }
                }
                if let answer { continuation.resume(returning: answer) }
            }
        } onCancel: {
            withdraw(waiter)
        }
        interruption.end()
        if granted { return .acquired }
        switch interruption.reason {
        case .deadline: return .deadline
        case .draining: return .draining
        case nil: return .cancelled
        }
    }

    /// Gives a slot back: to the first waiter in line, if any, else to the budget.
    func release() {
        let handoff = state.withLock { state -> UnsafeContinuation<Bool, Never>?? in
            defer { state.compact() }
            guard let waiter = state.nextWaiting() else {
                state.taken -= 1
                return .none
            }
            waiter.standing = .granted
            defer { waiter.continuation = nil }
            return .some(waiter.continuation)  // nil: it has not suspended yet and will see `granted`
        }
        switch handoff {
        case .none: inUse().decrement()
        case .some(let continuation): continuation?.resume(returning: true)  // the slot passes on: the gauge stays
        }
    }

    /// Takes a waiter out of line; a waiter already granted keeps its slot.
    private func withdraw(_ waiter: Waiter) {
        let continuation = state.withLock { _ -> UnsafeContinuation<Bool, Never>? in
            guard waiter.standing == .waiting else { return nil }
            waiter.standing = .withdrawn
            defer { waiter.continuation = nil }
            return waiter.continuation
        }
        continuation?.resume(returning: false)
    }
}
