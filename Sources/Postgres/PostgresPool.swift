public import EventLoop

/// How a `PostgresPool` sizes itself, waits and reconnects.
public struct PostgresPoolConfiguration: Sendable {
    public var connection: PostgresConfiguration
    /// Connections kept open even when idle (re-established in the background after an outage).
    public var minimumConnections: Int
    /// The most connections open at once, idle or in use.
    public var maximumConnections: Int
    /// How long `acquire` waits for a free connection before throwing `.poolExhausted`.
    public var acquireTimeout: Duration
    /// The first delay before reconnecting after a failed connect; it doubles up to `maximumBackoff`.
    public var initialBackoff: Duration
    public var maximumBackoff: Duration
    /// Called with the duration in nanoseconds of every `query` (any wait for a free connection
    /// included) and every `transaction` (the whole block), on the pool's loop, whether it
    /// succeeded or failed: for metrics. Nil costs one branch and no clock read.
    public var queryObserver: (@Sendable (UInt64) -> Void)?

    public init(
        connection: PostgresConfiguration, minimumConnections: Int = 0, maximumConnections: Int = 8,
        acquireTimeout: Duration = .seconds(5), initialBackoff: Duration = .milliseconds(100),
        maximumBackoff: Duration = .seconds(5)
    ) {
        precondition(maximumConnections >= 1 && minimumConnections >= 0 && minimumConnections <= maximumConnections)
        self.connection = connection
        self.minimumConnections = minimumConnections
        self.maximumConnections = maximumConnections
        self.acquireTimeout = acquireTimeout
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
    }
}

/// The pool's figures at one moment, readable from any thread (for metrics).
public struct PostgresPoolStatistics: Hashable, Sendable {
    /// Open connections: idle plus in use.
    public var size = 0
    public var inUse = 0
    public var idle = 0
    /// Connection attempts under way.
    public var connecting = 0
    /// Callers waiting for a connection.
    public var waiters = 0
    /// False after a failed connect, until one succeeds again.
    public var serverReachable = true
}

/// Connections to one database for one event loop (one pool per worker loop).
///
/// Callers beyond `maximumConnections` queue until a connection is free or `acquireTimeout`
/// passes (`.poolExhausted`). Broken connections are dropped and replaced. While the server is
/// unreachable, callers fail fast with `.connectionFailed` and the pool retries with exponential
/// backoff, so service resumes by itself when the server is back.
///
/// ```swift
/// let pool = PostgresPool(loop: loop, configuration: .init(connection: try PostgresConfiguration(url)))
/// let rows = try await pool.query(PostgresQuery("SELECT subject FROM users WHERE subject = $1", subject))
/// await pool.close()
/// ```
public final class PostgresPool: @unchecked Sendable {  // state touched only on `loop`'s thread
    public let loop: EventLoop
    public let configuration: PostgresPoolConfiguration
    /// Every decision; this class only executes the machine's orders.
    private var machine: PoolStateMachine<PostgresConnection>
    /// Queued callers by the machine's waiter id.
    private var waiters: [Int: Waiter] = [:]
    /// Connection attempts under way (once past name resolution), so `close` can end them.
    private var attempts: [Int: PostgresConnection] = [:]
    private var nextAttemptID = 0
    private var retryTimer: LoopTimer?
    private var closeWaiters: [UnsafeContinuation<Void, Never>] = []
    private var shutdownHook: Int?
    private var started = false
    private let figures = LockedValue(PostgresPoolStatistics())

    private struct Waiter {
        let completion: LoopCompletion<PostgresConnection>
        let timer: LoopTimer
    }

    /// Creates the pool; connections open on first use (and `minimumConnections` right then).
    public init(loop: EventLoop, configuration: PostgresPoolConfiguration) {
        self.loop = loop
        self.configuration = configuration
        machine = PoolStateMachine(configuration)
    }

    /// A pool dropped without `close()` gives its loop handles back; its connections end
    /// themselves. (Queued callers keep the pool alive, so none are left here.)
    deinit {
        let loop = self.loop, retryTimer = self.retryTimer, hook = shutdownHook
        guard retryTimer != nil || hook != nil else { return }
        loop.executeSoonOrNow {
            retryTimer?.close()
            if let hook, !loop.isShuttingDown { loop.removeShutdownHook(hook) }
        }
    }

    /// The current figures, from any thread.
    public var statistics: PostgresPoolStatistics { figures.withLock { $0 } }

    // MARK: Using connections

    /// Lends a connection to `body` and takes it back afterwards, whatever happens.
    public func withConnection<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        if loop.runsCurrentTask { return try await lend(body) }
        return try await withTaskExecutorPreference(loop) { try await self.lend(body) }
    }

    /// Runs one statement on a pooled connection. See `PostgresConnection.query(_:timeout:)`.
    @discardableResult
    public func query(_ query: PostgresQuery, timeout: Duration? = nil) async throws -> PostgresRows {
        if loop.runsCurrentTask { return try await run(query, timeout: timeout) }
        return try await withTaskExecutorPreference(loop) { try await self.run(query, timeout: timeout) }
    }

    // The steps below run on the loop in a task that prefers it, and inherit their caller's
    // executor (`nonisolated(nonsending)`): no executor switch on each call.

    nonisolated(nonsending) private func lend<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let connection = try await take()
        do {
            let value = try await body(connection)
            release(connection)
            return value
        } catch {
            release(connection)
            throw error
        }
    }

    nonisolated(nonsending) private func run(_ query: PostgresQuery, timeout: Duration?) async throws -> PostgresRows {
        guard let observer = configuration.queryObserver else {
            let connection = try await take()
            defer { release(connection) }
            return try await connection.run(query, timeout: timeout)
        }
        let start = EventLoop.monotonicNanoseconds
        defer { observer(EventLoop.monotonicNanoseconds &- start) }
        let connection = try await take()
        defer { release(connection) }
        return try await connection.run(query, timeout: timeout)
    }

    /// Runs `body` in a transaction on a pooled connection. See `PostgresConnection.transaction(_:)`.
    public func transaction<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        guard let observer = configuration.queryObserver else {
            return try await withConnection { try await $0.transaction(body) }
        }
        let start = EventLoop.monotonicNanoseconds
        defer { observer(EventLoop.monotonicNanoseconds &- start) }
        return try await withConnection { try await $0.transaction(body) }
    }

    /// Takes a connection for exclusive use; give it back with `release(_:)`.
    /// - Throws: `.poolExhausted` after `acquireTimeout`, `.connectionFailed` while the server is
    ///   unreachable, `.cancelled`, `.closed`.
    public func acquire() async throws -> PostgresConnection {
        try await take()
    }

    nonisolated(nonsending) private func take() async throws -> PostgresConnection {
        if loop.inLoop, let connection = try takeIdleConnection() {
            return connection  // no suspension: no continuation and no cancellation handler
        }
        do {
            return try await withLoopCallback(on: loop) { (completion: LoopCompletion<PostgresConnection>) in
                self.startIfNeeded()
                self.execute(self.machine.acquire(now: self.now, isReusable: { $0.isReusable }), for: completion)
            }
        } catch is CancellationError {
            throw PostgresError(.cancelled)
        }
    }

    /// Returns a connection taken with `acquire()`. Broken or mid-transaction ones are closed.
    public func release(_ connection: PostgresConnection) {
        if loop.inLoop {
            releaseOnLoop(connection)  // no closure to allocate
        } else {
            loop.execute { self.releaseOnLoop(connection) }
        }
    }

    /// An idle connection taken at once, or nil when the caller has to queue. Loop thread only.
    /// Throws what `acquire` would: `.cancelled`, `.closed`.
    private func takeIdleConnection() throws(PostgresError) -> PostgresConnection? {
        if Task.isCancelled { throw PostgresError(.cancelled) }
        startIfNeeded()
        switch execute(machine.takeIdle(isReusable: { $0.isReusable }), for: nil) {
        case .lent(let connection): return connection
        case .failed(let error): throw error
        case .none: return nil
        }
    }

    private func releaseOnLoop(_ connection: PostgresConnection) {
        execute(machine.release(connection, isReusable: connection.isReusable, now: now), for: nil)
    }

    // MARK: Executing the machine's orders

    /// What the orders meant for the caller of `takeIdle`/`acquire`.
    private enum CallerOutcome {
        case none
        case lent(PostgresConnection)
        case failed(PostgresError)
    }

    /// Loop time in nanoseconds (the loop's cached millisecond clock: no system call).
    private var now: UInt64 { loop.now &* 1_000_000 }

    /// Carries out `actions` in order, then publishes the figures.
    /// - Parameter caller: the completion of the `acquire` that produced them; nil for a caller
    ///   served synchronously (the outcome is returned instead) and for other events.
    @discardableResult
    private func execute(
        _ actions: PoolStateMachine<PostgresConnection>.Actions, for caller: LoopCompletion<PostgresConnection>?
    ) -> CallerOutcome {
        var outcome = CallerOutcome.none
        for action in actions {
            switch action {
            case .lend(let connection):
                caller?.succeed(connection)
                outcome = .lent(connection)
            case .fail(let failure):
                caller?.fail(failure.error)
                outcome = .failed(failure.error)
            case .enqueue(let id, let deadline):
                guard let caller else { preconditionFailure("enqueue without a caller to queue") }
                let timer = LoopTimer(loop: loop)
                waiters[id] = Waiter(completion: caller, timer: timer)
                timer.start(after: .nanoseconds(deadline &- min(deadline, now))) { [weak self] in
                    guard let self else { return }
                    self.execute(self.machine.waiterTimedOut(id), for: nil)
                }
                caller.onCancel { [weak self] in
                    guard let self else { return }
                    self.execute(self.machine.waiterCancelled(id), for: nil)
                }
            case .handOver(let connection, let id):
                removeWaiter(id).succeed(connection)
            case .failWaiter(let id, let failure):
                removeWaiter(id).fail(failure.error)
            case .dropWaiter(let id):
                _ = removeWaiter(id)
            case .openConnections(let count):
                for _ in 0..<count { startConnect() }
            case .closeConnection(let connection):
                connection.closeNow(.closed)
            case .scheduleRetry(let delay):
                let timer = retryTimer ?? LoopTimer(loop: loop)
                retryTimer = timer
                timer.start(after: delay) { [weak self] in
                    guard let self else { return }
                    self.execute(self.machine.retryTimerFired(now: self.now), for: nil)
                }
            case .cancelRetry:
                retryTimer?.close()
                retryTimer = nil
            case .abandonConnectionAttempts:
                // Each attempt's wait ends at once with `.closed`; it then reports `connectFailed`.
                for connection in attempts.values { connection.closeNow(.closed) }
            case .finishClose:
                let continuations = closeWaiters
                closeWaiters = []
                for continuation in continuations { continuation.resume() }
            }
        }
        publish()
        return outcome
    }

    /// Takes a waiter out of the table and stops its deadline timer. The machine names only
    /// waiters it queued and has not finished, so the waiter is always there.
    private func removeWaiter(_ id: Int) -> LoopCompletion<PostgresConnection> {
        guard let waiter = waiters.removeValue(forKey: id) else { preconditionFailure("waiter \(id) unknown to the pool") }
        waiter.timer.close()
        return waiter.completion
    }

    // MARK: Opening connections

    private func startIfNeeded() {
        guard !started else { return }
        started = true
        // Weak, like the timers' callbacks: a pool dropped without `close()` must not bring the
        // process down when its loop shuts down later.
        shutdownHook = loop.addShutdownHook { [weak self] in self?.closeOnLoop() }
        execute(machine.start(now: now), for: nil)
    }

    /// One connection attempt, reported to the machine as `connected` or `connectFailed`.
    private func startConnect() {
        nextAttemptID += 1
        let id = nextAttemptID
        Task(executorPreference: loop) {
            do throws(PostgresError) {
                let parameters = try await self.configuration.connection.connectParameters()
                // Closed while the host name was resolved: abandon before opening a socket.
                guard self.machine.state == .open else { throw PostgresError(.closed) }
                let connection = PostgresConnection(loop: self.loop)
                self.attempts[id] = connection
                defer { self.attempts[id] = nil }
                try await connection.start(parameters, timeout: self.configuration.connection.connectTimeout)
                self.execute(self.machine.connected(connection, now: self.now), for: nil)
            } catch {
                self.execute(self.machine.connectFailed(message: error.message, sqlState: error.sqlState, now: self.now), for: nil)
            }
        }
    }

    // MARK: Closing

    /// Closes every idle connection, fails queued callers with `.closed`, ends connection
    /// attempts under way, and returns once every lent connection came back (each is closed
    /// then). The loop can then end with no handle left.
    public func close() async {
        await withTaskExecutorPreference(loop) {
            self.closeOnLoop()
            if self.machine.state != .closed {
                await withUnsafeContinuation { self.closeWaiters.append($0) }
            }
        }
    }

    private func closeOnLoop() {
        if let shutdownHook, !loop.isShuttingDown { loop.removeShutdownHook(shutdownHook) }
        shutdownHook = nil
        execute(machine.close(), for: nil)
    }

    private func publish() {
        let snapshot = machine.statistics
        figures.withLock { $0 = snapshot }
    }
}
