/// The decisions of a `PostgresPool` as a value with no I/O: events in, orders out.
///
/// It counts idle, lent and opening connections, queues waiters with deadlines, backs off
/// after failed connects and closes. It reads no clock: every event that needs the time gets
/// `now` (monotonic nanoseconds). `PostgresPool` executes the returned `Actions` in order.
/// Generic over the connection so tests drive it with plain integers (and compare its orders).
struct PoolStateMachine<Connection> {
    typealias WaiterID = Int

    enum State: Equatable {
        case open
        /// `close()` ran; lent connections and connection attempts are still to come back.
        case closing
        /// Closed, nothing outstanding.
        case closed
    }

    /// Why a caller or waiter gets no connection.
    enum Failure: Equatable {
        case closed
        /// No connection came free within the acquire timeout.
        case exhausted(after: Duration)
        /// The last connect failed and the backoff has not elapsed (libpq's message and SQLSTATE).
        case unreachable(message: String?, sqlState: String?)

        var error: PostgresError {
            switch self {
            case .closed: PostgresError(.closed)
            case .exhausted(let timeout): PostgresError(.poolExhausted, message: "no connection free within \(timeout)")
            case .unreachable(let message, let sqlState): PostgresError(.connectionFailed, message: message, sqlState: sqlState)
            }
        }
    }

    enum Action {
        /// Give the connection to the caller of `acquire`/`takeIdle`.
        case lend(Connection)
        /// Fail the caller of `acquire`/`takeIdle`.
        case fail(Failure)
        /// Queue the caller of `acquire` as this waiter; it fails at `deadline` (`waiterTimedOut`).
        case enqueue(WaiterID, deadline: UInt64)
        /// Give the connection to a queued waiter (stop its deadline timer).
        case handOver(Connection, to: WaiterID)
        /// Fail a queued waiter (stop its deadline timer).
        case failWaiter(WaiterID, Failure)
        /// Forget a waiter whose caller gave up (stop its deadline timer).
        case dropWaiter(WaiterID)
        /// Start this many connection attempts; each reports `connected` or `connectFailed`.
        case openConnections(Int)
        /// Close the connection (it is no longer counted).
        case closeConnection(Connection)
        /// Call `retryTimerFired` after the delay.
        case scheduleRetry(after: Duration)
        case cancelRetry
        /// End every connection attempt under way now; each still reports `connectFailed`.
        case abandonConnectionAttempts
        /// Everything is back and closed: resume whoever waits in `close()`.
        case finishClose
    }

    /// The orders of one event, in order. The first is stored inline, so the common one-order
    /// (or no-order) answers of `acquire` and `release` allocate nothing.
    struct Actions: Sequence, ExpressibleByArrayLiteral {
        private var first: Action?
        private var rest: [Action] = []

        init() {}

        init(arrayLiteral elements: Action...) {
            for element in elements { append(element) }
        }

        mutating func append(_ action: Action) {
            if first == nil { first = action } else { rest.append(action) }
        }

        func makeIterator() -> Iterator { Iterator(actions: self) }

        struct Iterator: IteratorProtocol {
            let actions: Actions
            var index = 0

            mutating func next() -> Action? {
                defer { index += 1 }
                if index == 0 { return actions.first }
                return index - 1 < actions.rest.count ? actions.rest[index - 1] : nil
            }
        }
    }

    private struct Waiter {
        let id: WaiterID
        let deadline: UInt64
    }

    let minimumConnections: Int
    let maximumConnections: Int
    let acquireTimeout: Duration
    let initialBackoff: Duration
    let maximumBackoff: Duration

    private(set) var state = State.open
    private(set) var idle: [Connection] = []
    private(set) var inUse = 0
    private(set) var connecting = 0
    private var waiters: [Waiter] = []
    private var nextWaiterID = 0
    /// Set by a failed connect, cleared by a successful one.
    private(set) var lastConnectFailure: Failure?
    /// The delay before the next retry after a failed connect.
    private(set) var backoff: Duration
    /// Until when (nanoseconds) callers fail fast after a failed connect.
    private(set) var retryAt: UInt64 = 0

    init(
        minimumConnections: Int, maximumConnections: Int, acquireTimeout: Duration, initialBackoff: Duration,
        maximumBackoff: Duration
    ) {
        precondition(maximumConnections >= 1 && minimumConnections >= 0 && minimumConnections <= maximumConnections)
        self.minimumConnections = minimumConnections
        self.maximumConnections = maximumConnections
        self.acquireTimeout = acquireTimeout
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
        backoff = initialBackoff
    }

    init(_ configuration: PostgresPoolConfiguration) {
        self.init(
            minimumConnections: configuration.minimumConnections, maximumConnections: configuration.maximumConnections,
            acquireTimeout: configuration.acquireTimeout, initialBackoff: configuration.initialBackoff,
            maximumBackoff: configuration.maximumBackoff)
    }

    var waiterCount: Int { waiters.count }
    var total: Int { idle.count + inUse + connecting }

    var statistics: PostgresPoolStatistics {
        PostgresPoolStatistics(
            size: idle.count + inUse, inUse: inUse, idle: idle.count, connecting: connecting,
            waiters: waiters.count, serverReachable: lastConnectFailure == nil)
    }

    // MARK: Events

    /// First use: open the minimum.
    mutating func start(now: UInt64) -> Actions {
        var actions = Actions()
        fillToMinimum(now: now, into: &actions)
        return actions
    }

    /// A caller that must not queue wants a connection: `.lend` one that is idle and reusable,
    /// `.fail(.closed)`, or nothing (it has to `acquire`). Broken idle connections are closed.
    mutating func takeIdle(isReusable: (Connection) -> Bool) -> Actions {
        switch state {
        case .open:
            var actions = Actions()
            if let connection = popReusable(isReusable, closingBrokenInto: &actions) {
                inUse += 1
                actions.append(.lend(connection))
            }
            return actions
        case .closing, .closed:
            return [.fail(.closed)]
        }
    }

    /// A caller wants a connection: `.lend` an idle one, `.fail` fast while the server is known
    /// down, or `.enqueue` it (opening connections up to the maximum).
    mutating func acquire(now: UInt64, isReusable: (Connection) -> Bool) -> Actions {
        switch state {
        case .open:
            var actions = Actions()
            if let connection = popReusable(isReusable, closingBrokenInto: &actions) {
                inUse += 1
                actions.append(.lend(connection))
                return actions
            }
            if let failure = failFast(now: now) {
                actions.append(.fail(failure))
                return actions
            }
            nextWaiterID += 1
            let waiter = Waiter(id: nextWaiterID, deadline: now + acquireTimeout.nanoseconds)
            waiters.append(waiter)
            actions.append(.enqueue(waiter.id, deadline: waiter.deadline))
            connectForWaiters(now: now, into: &actions)
            return actions
        case .closing, .closed:
            return [.fail(.closed)]
        }
    }

    /// The waiter's deadline passed.
    mutating func waiterTimedOut(_ id: WaiterID) -> Actions {
        removeWaiter(id) ? [.failWaiter(id, .exhausted(after: acquireTimeout))] : []
    }

    /// The waiter's task was cancelled.
    mutating func waiterCancelled(_ id: WaiterID) -> Actions {
        removeWaiter(id) ? [.dropWaiter(id)] : []
    }

    /// A lent connection came back; `isReusable` is false when it broke or is mid-transaction.
    mutating func release(_ connection: Connection, isReusable: Bool, now: UInt64) -> Actions {
        switch state {
        case .open:
            inUse -= 1
            var actions = Actions()
            if isReusable {
                handOff(connection, into: &actions)
            } else {
                actions.append(.closeConnection(connection))
                connectForWaiters(now: now, into: &actions)
                fillToMinimum(now: now, into: &actions)
            }
            return actions
        case .closing:
            inUse -= 1
            var actions: Actions = [.closeConnection(connection)]
            finishCloseIfDone(into: &actions)
            return actions
        case .closed:
            preconditionFailure("release in state \(state): a connection came back twice")
        }
    }

    /// A connection attempt succeeded.
    mutating func connected(_ connection: Connection, now: UInt64) -> Actions {
        connecting -= 1
        lastConnectFailure = nil
        backoff = initialBackoff
        switch state {
        case .open:
            var actions = Actions()
            handOff(connection, into: &actions)
            connectForWaiters(now: now, into: &actions)
            fillToMinimum(now: now, into: &actions)
            return actions
        case .closing:
            var actions: Actions = [.closeConnection(connection)]
            finishCloseIfDone(into: &actions)
            return actions
        case .closed:
            preconditionFailure("connected in state \(state)")
        }
    }

    /// A connection attempt failed (or was abandoned by `close`).
    mutating func connectFailed(message: String?, sqlState: String?, now: UInt64) -> Actions {
        connecting -= 1
        var actions = Actions()
        switch state {
        case .open:
            let failure = Failure.unreachable(message: message, sqlState: sqlState)
            lastConnectFailure = failure
            retryAt = now + backoff.nanoseconds
            let delay = backoff
            backoff = min(backoff * 2, maximumBackoff)
            if idle.isEmpty, connecting == 0 { failAllWaiters(failure, into: &actions) }
            // Keep probing in the background so the minimum comes back without traffic.
            if minimumConnections > 0 { actions.append(.scheduleRetry(after: delay)) }
        case .closing:
            finishCloseIfDone(into: &actions)
        case .closed:
            preconditionFailure("connectFailed in state \(state)")
        }
        return actions
    }

    /// The retry timer of `.scheduleRetry` fired.
    mutating func retryTimerFired(now: UInt64) -> Actions {
        var actions = Actions()
        if state == .open, lastConnectFailure != nil, now < retryAt {
            actions.append(.scheduleRetry(after: .nanoseconds(retryAt - now)))  // the timer ran early
            return actions
        }
        fillToMinimum(now: now, into: &actions)
        return actions
    }

    /// The pool closes: idle connections close, waiters fail, attempts under way are abandoned;
    /// `.finishClose` comes once every lent connection and attempt is back.
    mutating func close() -> Actions {
        switch state {
        case .open:
            state = .closing
            var actions: Actions = [.cancelRetry]
            for connection in idle { actions.append(.closeConnection(connection)) }
            idle = []
            failAllWaiters(.closed, into: &actions)
            if connecting > 0 { actions.append(.abandonConnectionAttempts) }
            finishCloseIfDone(into: &actions)
            return actions
        case .closing, .closed:
            return []
        }
    }

    // MARK: Decisions

    private mutating func popReusable(_ isReusable: (Connection) -> Bool, closingBrokenInto actions: inout Actions) -> Connection? {
        while let connection = idle.popLast() {
            if isReusable(connection) { return connection }
            actions.append(.closeConnection(connection))
        }
        return nil
    }

    /// While the server is known unreachable and the backoff has not elapsed: the failure.
    private func failFast(now: UInt64) -> Failure? {
        guard let lastConnectFailure, idle.isEmpty, connecting == 0, now < retryAt else { return nil }
        return lastConnectFailure
    }

    private mutating func handOff(_ connection: Connection, into actions: inout Actions) {
        if waiters.isEmpty {
            idle.append(connection)
        } else {
            inUse += 1
            actions.append(.handOver(connection, to: waiters.removeFirst().id))
        }
    }

    /// Opens connections for queued waiters, up to the maximum; one probe at a time while the
    /// server is down, none while backing off (the waiters fail instead).
    private mutating func connectForWaiters(now: UInt64, into actions: inout Actions) {
        guard state == .open, !waiters.isEmpty else { return }
        if let failure = failFast(now: now) { return failAllWaiters(failure, into: &actions) }
        let wanted = min(waiters.count - connecting, maximumConnections - total)
        let allowed = lastConnectFailure == nil ? wanted : min(wanted, 1 - connecting)
        if allowed > 0 {
            connecting += allowed
            actions.append(.openConnections(allowed))
        }
    }

    private mutating func fillToMinimum(now: UInt64, into actions: inout Actions) {
        guard state == .open else { return }
        var count = max(0, minimumConnections - total)
        if lastConnectFailure != nil {
            count = connecting == 0 && now >= retryAt ? min(count, 1) : 0  // one probe once the backoff elapsed
        }
        if count > 0 {
            connecting += count
            actions.append(.openConnections(count))
        }
    }

    private mutating func failAllWaiters(_ failure: Failure, into actions: inout Actions) {
        for waiter in waiters { actions.append(.failWaiter(waiter.id, failure)) }
        waiters = []
    }

    private mutating func removeWaiter(_ id: WaiterID) -> Bool {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return false }
        waiters.remove(at: index)
        return true
    }

    private mutating func finishCloseIfDone(into actions: inout Actions) {
        guard state == .closing, inUse == 0, connecting == 0 else { return }
        state = .closed
        actions.append(.finishClose)
    }
}

extension PoolStateMachine.Action: Equatable where Connection: Equatable {}
extension PoolStateMachine.Actions: Equatable where Connection: Equatable {}

