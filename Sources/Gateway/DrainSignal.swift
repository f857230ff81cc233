import EventLoop

/// Tells waiting asks that the server is shutting down, so each answers 202 (with its run
/// id) instead of being cut off.
final class DrainSignal: Sendable {
    /// A registered action, for ``remove(_:)``.
    struct Registration: Sendable, Hashable {
        fileprivate let id: Int
    }

    private struct State {
        var draining = false
        var nextID = 0
        var actions: [Int: @Sendable () -> Void] = [:]
    }

    private let state = LockedValue(State())

    var isDraining: Bool { state.withLock { $0.draining } }

    /// Runs every registered action now (and makes later registrations fail).
    func begin() {
        let actions = state.withLock { state -> [@Sendable () -> Void] in
            state.draining = true
            defer { state.actions.removeAll() }
            return Array(state.actions.values)
        }
        for action in actions { action() }
    }

    /// Runs `action` when draining begins; nil (and `action` not kept) when it has begun already.
    func onBegin(_ action: @escaping @Sendable () -> Void) -> Registration? {
        state.withLock { state in
            guard !state.draining else { return nil }
            state.nextID += 1
            state.actions[state.nextID] = action
            return Registration(id: state.nextID)
        }
    }

    func remove(_ registration: Registration) {
        _ = state.withLock { $0.actions.removeValue(forKey: registration.id) }
    }
}
