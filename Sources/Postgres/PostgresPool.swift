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
    private var idle: [PostgresConnection] = []
    private var inUse = 0
    private var connecting = 0
    private var waiters: [Waiter] = []
    private var nextWaiterID = 0
    private var lastConnectError: PostgresError?
    private var backoff: Duration
    private var retryAt: UInt64 = 0  // loop.now milliseconds
    private var retryTimer: LoopTimer?
    private var closed = false
    private var closeWaiters: [UnsafeContinuation<Void, Never>] = []
    private var shutdownHook: Int?
    private var started = false
    private let figures = LockedValue(PostgresPoolStatistics())

    private final class Waiter {
        let id: Int
        let completion: LoopCompletion<PostgresConnection>
        let timer: LoopTimer
        init(id: Int, completion: LoopCompletion<PostgresConnection>, timer: LoopTimer) {
            self.id = id
            self.completion = completion
            self.timer = timer
        }
    }

    /// Creates the pool; connections open on first use (and `minimumConnections` right then).
    public init(loop: EventLoop, configuration: PostgresPoolConfiguration) {
        self.loop = loop
        self.configuration = configuration
        backoff = configuration.initialBackoff
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
        let connection = try await take()
        defer { release(connection) }
        return try await connection.run(query, timeout: timeout)
    }

    /// Runs `body` in a transaction on a pooled connection. See `PostgresConnection.transaction(_:)`.
    public func transaction<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await withConnection { try await $0.transaction(body) }
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
                self.acquire(completion)
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
        guard !closed else { throw PostgresError(.closed) }
        while let connection = idle.popLast() {
            if connection.isReusable {
                inUse += 1
                publish()
                return connection
            }
            connection.closeNow(.closed)
            publish()
        }
        return nil
    }

    private func acquire(_ completion: LoopCompletion<PostgresConnection>) {
        startIfNeeded()
        guard !closed else { return completion.fail(PostgresError(.closed)) }
        defer { publish() }
        while let connection = idle.popLast() {
            if connection.isReusable {
                inUse += 1
                return completion.succeed(connection)
            }
            connection.closeNow(.closed)
        }
        if let failure = failFastError() { return completion.fail(failure) }
        nextWaiterID += 1
        let waiter = Waiter(id: nextWaiterID, completion: completion, timer: LoopTimer(loop: loop))
        waiters.append(waiter)
        waiter.timer.start(after: configuration.acquireTimeout) { [unowned self] in
            guard self.removeWaiter(waiter.id) else { return }
            waiter.completion.fail(PostgresError(.poolExhausted, message: "no connection free within \(self.configuration.acquireTimeout)"))
        }
        completion.onCancel { [unowned self] in _ = self.removeWaiter(waiter.id) }
        connectForWaiters()
    }

    /// While the server is known unreachable and the backoff has not elapsed: the error to fail with.
    private func failFastError() -> PostgresError? {
        guard let lastConnectError, idle.isEmpty, connecting == 0, loop.now < retryAt else { return nil }
        return PostgresError(.connectionFailed, message: lastConnectError.message, sqlState: lastConnectError.sqlState)
    }

    private func removeWaiter(_ id: Int) -> Bool {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return false }
        waiters.remove(at: index).timer.close()
        publish()
        return true
    }

    private func releaseOnLoop(_ connection: PostgresConnection) {
        inUse -= 1
        defer { publish() }
        if closed || !connection.isReusable {
            connection.closeNow(.closed)
            if closed { return finishCloseIfDone() }
            connectForWaiters()
            fillToMinimum()
            return
        }
        handOff(connection)
    }

    /// Gives a free connection to the first waiter, or keeps it idle. The caller publishes.
    private func handOff(_ connection: PostgresConnection) {
        if !waiters.isEmpty {
            let waiter = waiters.removeFirst()
            waiter.timer.close()
            inUse += 1
            waiter.completion.succeed(connection)
        } else {
            idle.append(connection)
        }
    }

    // MARK: Opening connections

    private var total: Int { idle.count + inUse + connecting }

    private func startIfNeeded() {
        guard !started else { return }
        started = true
        shutdownHook = loop.addShutdownHook { [unowned self] in self.closeOnLoop() }
        fillToMinimum()
    }

    /// Opens connections for queued callers, up to the maximum, unless backing off.
    private func connectForWaiters() {
        guard !closed, !waiters.isEmpty else { return }
        if let failure = failFastError() {
            failAllWaiters(failure)
            return
        }
        let wanted = min(waiters.count - connecting, configuration.maximumConnections - total)
        let allowed = lastConnectError == nil ? wanted : min(wanted, 1 - connecting)  // one probe while down
        for _ in 0..<max(0, allowed) { startConnect() }
    }

    private func fillToMinimum() {
        guard !closed else { return }
        if lastConnectError != nil {
            if connecting == 0, total < configuration.minimumConnections, loop.now >= retryAt { startConnect() }
            return
        }
        while total < configuration.minimumConnections { startConnect() }
    }

    private func startConnect() {
        connecting += 1
        publish()
        Task(executorPreference: loop) {
            do {
                let connection = try await PostgresConnection.connect(to: self.configuration.connection, on: self.loop)
                self.connected(connection)
            } catch {
                self.connectFailed(error as? PostgresError ?? PostgresError(.connectionFailed, message: "\(error)"))
            }
        }
    }

    private func connected(_ connection: PostgresConnection) {
        connecting -= 1
        lastConnectError = nil
        backoff = configuration.initialBackoff
        if closed {
            connection.closeNow(.closed)
            return finishCloseIfDone()
        }
        handOff(connection)
        fillToMinimum()
        publish()
    }

    private func connectFailed(_ error: PostgresError) {
        connecting -= 1
        defer { publish() }
        if closed { return finishCloseIfDone() }
        lastConnectError = error
        retryAt = loop.now + backoff.milliseconds
        let delay = backoff
        backoff = min(backoff * 2, configuration.maximumBackoff)
        if idle.isEmpty, connecting == 0 {
            failAllWaiters(PostgresError(.connectionFailed, message: error.message, sqlState: error.sqlState))
        }
        // Keep probing in the background so the minimum comes back without traffic.
        if configuration.minimumConnections > 0 {
            let timer = retryTimer ?? LoopTimer(loop: loop)
            retryTimer = timer
            timer.start(after: delay) { [unowned self] in self.fillToMinimum() }
        }
    }

    private func failAllWaiters(_ error: PostgresError) {
        let failed = waiters
        waiters = []
        for waiter in failed {
            waiter.timer.close()
            waiter.completion.fail(error)
        }
        publish()
    }

    // MARK: Closing

    /// Closes every idle connection, fails queued callers with `.closed`, and returns once every
    /// lent connection came back (each is closed then). The loop can then end with no handle left.
    public func close() async {
        await withTaskExecutorPreference(loop) {
            self.closeOnLoop()
            if self.inUse + self.connecting > 0 {
                await withUnsafeContinuation { self.closeWaiters.append($0) }
            }
        }
    }

    private func closeOnLoop() {
        guard !closed else { return }
        closed = true
        if let shutdownHook, !loop.isShuttingDown { loop.removeShutdownHook(shutdownHook) }
        shutdownHook = nil
        retryTimer?.close()
        retryTimer = nil
        for connection in idle { connection.closeNow(.closed) }
        idle = []
        failAllWaiters(PostgresError(.closed))
        finishCloseIfDone()
    }

    private func finishCloseIfDone() {
        publish()
        guard closed, inUse == 0, connecting == 0 else { return }
        let continuations = closeWaiters
        closeWaiters = []
        for continuation in continuations { continuation.resume() }
    }

    private func publish() {
        let snapshot = PostgresPoolStatistics(
            size: idle.count + inUse, inUse: inUse, idle: idle.count, connecting: connecting,
            waiters: waiters.count, serverReachable: lastConnectError == nil)
        figures.withLock { $0 = snapshot }
    }
}

extension Duration {
    /// Whole milliseconds, rounded up.
    var milliseconds: UInt64 {
        let (seconds, attoseconds) = components
        return UInt64(max(0, seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000))
    }
}
