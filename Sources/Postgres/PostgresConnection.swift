internal import CPQ
public import EventLoop
#if canImport(Glibc)
import Glibc
#endif

/// One PostgreSQL connection driven by libpq in nonblocking mode on one event loop.
///
/// All work happens on `loop`'s thread: public async methods hop there first. One operation at a
/// time (a second concurrent one throws `.connectionBusy`); a pool hands connections out exclusively.
///
/// ```swift
/// let connection = try await PostgresConnection.connect(to: try PostgresConfiguration(url), on: loop)
/// let rows = try await connection.query(PostgresQuery("SELECT $1::int + 1", 41))
/// let answer = try rows[0].decode(column: 0, as: Int.self)
/// await connection.close()
/// ```
public final class PostgresConnection: @unchecked Sendable {  // state touched only on `loop`'s thread
    public let loop: EventLoop
    var pq: OpaquePointer?  // PGconn*, nil once closed
    var socket: SocketWatch?
    private var pendingWait: UnsafeContinuation<WaitOutcome, Never>?
    private var shutdownHook: Int?
    /// Prepared statements by SQL text and parameter types.
    var statements: [StatementKey: String] = [:]
    var nextStatementNumber = 0
    var busy = false
    /// Which query the cancel/timeout machinery refers to.
    var generation = 0
    var cancelReason: CancelReason?
    var cancelInFlight = false
    var cancelDone: UnsafeContinuation<Void, Never>?
    var timer: LoopTimer?

    /// The most statements one connection keeps prepared; beyond it statements run unnamed.
    static let statementCacheLimit = 512

    struct StatementKey: Hashable {
        let sql: String
        let types: [UInt32]
    }

    enum CancelReason { case cancelled, timeout }

    enum WaitOutcome {
        case ready(PollEvents)
        case failed(PostgresError)
    }

    private init(loop: EventLoop) { self.loop = loop }

    /// True once closed, by `close()`, a broken socket, or the loop shutting down.
    public var isClosed: Bool { pq == nil }

    /// Opens a connection. Never blocks the loop: host names are resolved on a helper thread,
    /// and `PQconnectPoll` is driven by socket readiness.
    /// - Throws: `PostgresError` `.connectionFailed` (with libpq's message in `debugDescription`).
    public static func connect(to configuration: PostgresConfiguration, on loop: EventLoop) async throws -> PostgresConnection {
        let parameters = try await configuration.connectParameters()
        return try await withTaskExecutorPreference(loop) {
            let connection = PostgresConnection(loop: loop)
            try await connection.start(parameters, timeout: configuration.connectTimeout)
            return connection
        }
    }

    private func start(_ parameters: [(keyword: String, value: String)], timeout: Duration) async throws(PostgresError) {
        loop.assertInLoop()
        guard !loop.isShuttingDown else { throw PostgresError(.closed, message: "event loop is shutting down") }
        let keywords = parameters.map { strdup($0.keyword) } + [nil]
        let values = parameters.map { strdup($0.value) } + [nil]
        defer { (keywords + values).forEach { free($0) } }
        let started = keywords.map { UnsafePointer($0) }.withUnsafeBufferPointer { k in
            values.map { UnsafePointer($0) }.withUnsafeBufferPointer { v in
                PQconnectStartParams(k.baseAddress, v.baseAddress, 0)
            }
        }
        guard let started else { throw PostgresError(.connectionFailed, message: "out of memory") }
        pq = started
        PQsetNoticeProcessor(started, { _, _ in }, nil)  // notices must not go to stderr
        shutdownHook = loop.addShutdownHook { [unowned self] in self.closeNow(.closed) }

        startTimer(after: timeout) { [unowned self] in
            self.interruptWait(PostgresError(.connectionFailed, message: "connect timed out after \(timeout)"))
        }
        defer { timer?.stop() }
        guard PQstatus(started) != CONNECTION_BAD else { throw failConnect() }
        var status = PGRES_POLLING_WRITING  // libpq's rule: wait for writable first
        while true {
            switch status {
            case PGRES_POLLING_OK:
                if let pq { PQsetnonblocking(pq, 1) }
                return
            case PGRES_POLLING_READING, PGRES_POLLING_WRITING:
                guard let pq else { throw PostgresError(.closed) }
                let fd = PQsocket(pq)
                if socket.map({ !$0.watches(fd) }) ?? true {
                    // libpq moved to a new socket (next address or host): watch the new one.
                    socket?.close()
                    socket = nil
                    guard fd >= 0 else { throw failConnect() }
                    do { socket = try SocketWatch(loop: loop, libpqDescriptor: fd) } catch {
                        closeNow(error)
                        throw error
                    }
                }
                if case .failed(let error) = await wait(for: status == PGRES_POLLING_READING ? .readable : .writable) {
                    closeNow(error)
                    throw error
                }
            default:
                throw failConnect()
            }
            guard let pq = self.pq else { throw PostgresError(.closed) }
            status = PQconnectPoll(pq)
        }
    }

    private func failConnect() -> PostgresError {
        let error = PostgresError(.connectionFailed, message: libpqMessage ?? "connection failed")
        closeNow(error)
        return error
    }

    /// libpq's last connection-level message.
    var libpqMessage: String? {
        guard let pq, let message = PQerrorMessage(pq) else { return nil }
        let text = String(cString: message).trimmingTrailingNewlines
        return text.isEmpty ? nil : text
    }

    /// Closes the connection (`PQfinish`) and every handle it holds. Idempotent.
    public func close() async {
        await withTaskExecutorPreference(loop) { self.closeNow(.closed) }
    }

    /// Closes now, failing a pending socket wait with `error`. Loop thread only.
    func closeNow(_ error: PostgresError) {
        loop.assertInLoop()
        if let shutdownHook {
            self.shutdownHook = nil
            if !loop.isShuttingDown { loop.removeShutdownHook(shutdownHook) }
        }
        timer?.close()
        timer = nil
        socket?.close()  // before PQfinish: the watcher's fd is our own dup
        socket = nil
        if let pq {
            self.pq = nil
            PQfinish(pq)
        }
        statements = [:]
        interruptWait(error)
        finishCancel()
    }

    func closeNow(_ code: PostgresError.Code) { closeNow(PostgresError(code)) }

    // MARK: Socket readiness

    /// Suspends until the socket is ready for one of `events`, or the wait is interrupted.
    /// Deliberately not cancellable by the task: a running statement is cancelled with PQcancel
    /// and its results drained, so the connection stays in a known state.
    func wait(for events: PollEvents) async -> WaitOutcome {
        guard let socket else { return .failed(PostgresError(.closed)) }
        precondition(pendingWait == nil, "two waits on one PostgreSQL connection")
        return await withUnsafeContinuation { continuation in
            pendingWait = continuation
            socket.start(events) { [unowned self] result in
                self.socket?.stop()
                switch result {
                case .success(let ready): self.resumeWait(.ready(ready))
                case .failure(let error):
                    self.resumeWait(.failed(PostgresError(.connectionFailed, message: "\(error)")))
                }
            }
        }
    }

    private func resumeWait(_ outcome: WaitOutcome) {
        guard let continuation = pendingWait else { return }
        pendingWait = nil
        continuation.resume(returning: outcome)
    }

    /// Ends a pending wait with `error` (timeouts, close).
    func interruptWait(_ error: PostgresError) {
        socket?.stop()
        resumeWait(.failed(error))
    }

    /// (Re)starts the connection's one timer.
    func startTimer(after delay: Duration, _ body: @escaping () -> Void) {
        let timer = self.timer ?? LoopTimer(loop: loop)
        self.timer = timer
        timer.start(after: delay, body)
    }

    // MARK: Health

    /// True when the connection is open, libpq reports it healthy, and no transaction is open.
    /// Reads whatever the server sent while idle (a termination notice, EOF) without blocking.
    var isReusable: Bool {
        loop.assertInLoop()
        guard let pq, !busy, PQstatus(pq) == CONNECTION_OK else { return false }
        // An idle connection we never LISTEN on has nothing to read: readable means the server
        // sent a termination notice or closed the socket.
        var descriptor = pollfd(fd: PQsocket(pq), events: Int16(POLLIN), revents: 0)
        if poll(&descriptor, 1, 0) != 0 { return false }
        return PQtransactionStatus(pq) == PQTRANS_IDLE
    }
}
