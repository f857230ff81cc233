import EventLoop

/// Runs actions at instants, for waits that keep no task of their own to sleep in: one task
/// sleeps until the earliest instant on behalf of all of them. A waiting ask's deadline costs
/// an entry here (a few dozen bytes), not a sleeping child task.
///
/// ```swift
/// let alarm = alarms.schedule(at: deadline) { stream.cancel() }
/// defer { alarms.cancel(alarm) }
/// ```
final class AlarmClock: Sendable {
    /// A scheduled action, for ``cancel(_:)``.
    struct Alarm: Sendable, Hashable {
        fileprivate let id: Int
    }

    private struct Entry {
        var at: ContinuousClock.Instant
        var id: Int
    }

    private struct State {
        /// A binary min-heap by `at`. A cancelled alarm's entry stays until it surfaces (or
        /// until cancelled entries outnumber live ones, when the heap is rebuilt).
        var heap: [Entry] = []
        var actions: [Int: @Sendable () -> Void] = [:]
        var nextID = 0
        var sleeper: Task<Void, Never>?
        var sleeperWakesAt: ContinuousClock.Instant?
    }

    private let state = LockedValue(State())

    /// Alarms scheduled and not yet fired or cancelled.
    var pendingCount: Int { state.withLock { $0.actions.count } }

    /// Runs `action` at `instant`, on the clock's task, unless cancelled first; an instant that
    /// has passed fires at once (but never inline).
    func schedule(at instant: ContinuousClock.Instant, _ action: @escaping @Sendable () -> Void) -> Alarm {
        state.withLock { state in
            state.nextID += 1
            let id = state.nextID
            state.actions[id] = action
            Self.push(Entry(at: instant, id: id), onto: &state.heap)
            if state.sleeperWakesAt.map({ instant < $0 }) ?? true { wake(&state, at: instant) }
            return Alarm(id: id)
        }
    }

    /// Cancels `alarm`; false when it fired already (or was cancelled before).
    @discardableResult
    func cancel(_ alarm: Alarm) -> Bool {
        state.withLock { state in
            guard state.actions.removeValue(forKey: alarm.id) != nil else { return false }
            if state.heap.count > 64 && state.heap.count > 4 * state.actions.count {
                let live = state.heap.filter { state.actions[$0.id] != nil }
                state.heap = []
                for entry in live { Self.push(entry, onto: &state.heap) }
            }
            return true
        }
    }

    /// (Re)starts the one sleeping task for `instant`.
    private func wake(_ state: inout State, at instant: ContinuousClock.Instant) {
        state.sleeper?.cancel()
        state.sleeperWakesAt = instant
        state.sleeper = Task { [weak self] in
            do {
                try await Task.sleep(until: instant, clock: .continuous)
            } catch {
                return  // replaced by a sleeper for an earlier instant
            }
            self?.fireDue()
        }
    }

    private func fireDue() {
        let due = state.withLock { state -> [@Sendable () -> Void] in
            var due: [@Sendable () -> Void] = []
            let now = ContinuousClock.now
            while let top = state.heap.first, top.at <= now || state.actions[top.id] == nil {
                Self.popFirst(of: &state.heap)
                if let action = state.actions.removeValue(forKey: top.id) { due.append(action) }
            }
            state.sleeper = nil
            state.sleeperWakesAt = nil
            if let next = state.heap.first { wake(&state, at: next.at) }
            return due
        }
        for action in due { action() }
    }

    // MARK: Heap

    private static func push(_ entry: Entry, onto heap: inout [Entry]) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].at < heap[parent].at else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private static func popFirst(of heap: inout [Entry]) {
        heap.swapAt(0, heap.count - 1)
        heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count, heap[left].at < heap[smallest].at { smallest = left }
            if right < heap.count, heap[right].at < heap[smallest].at { smallest = right }
            guard smallest != parent else { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
