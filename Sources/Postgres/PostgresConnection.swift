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
    /// True once `PQconnectPoll` succeeded: from then on the socket stays armed for reading.
    private var connected = false
    /// The socket watcher failed, or the server closed the connection while no statement ran.
    var socketLost = false
    /// Prepared statements by SQL text and parameter types.
    var statements = StatementCache()
    /// Parameter values as C strings, reused by every statement.
    let parameters = ParameterBuffer()
    var busy = false
    /// Which query the cancel/timeout machinery refers to.
    var generation = 0
    var cancelReason: CancelReason?
    var cancelInFlight = false
    var cancelDone: UnsafeContinuation<Void, Never>?
    var timer: LoopTimer?

    enum CancelReason { case cancelled, timeout }

    enum WaitOutcome {
        case ready(PollEvents)
        case failed(PostgresError)
    }

    /// A connection not yet started (`start`); the pool keeps it to abandon the attempt with `closeNow`.
    init(loop: EventLoop) { self.loop = loop }

    /// A connection dropped without `closeNow` (a pool let go of unclosed) still ends its session
    /// and gives its loop handles back. Nothing else refers to it by now: the loop's callbacks
    /// hold it weakly, and its socket watcher closes itself.
    deinit {
        if let pq { PQfinish(pq) }
        let loop = self.loop, timer = self.timer, hook = shutdownHook
        guard timer != nil || hook != nil else { return }
        loop.executeSoonOrNow {
            timer?.close()
            if let hook, !loop.isShuttingDown { loop.removeShutdownHook(hook) }
        }
    }

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

    /// Connects (drives `PQconnectPoll`). `closeNow` during it ends the attempt at once with `.closed`.
    func start(_ parameters: [(keyword: String, value: String)], timeout: Duration) async throws(PostgresError) {
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
        // Weak, like every callback a loop handle keeps: a connection dropped without `close()`
        // must not bring the process down when the loop later calls it.
        shutdownHook = loop.addShutdownHook { [weak self] in self?.closeNow(.closed) }

        startTimer(after: timeout) { [weak self] in
            self?.interruptWait(PostgresError(.connectionFailed, message: "connect timed out after \(timeout)"))
        }
        defer { timer?.stop() }
        guard PQstatus(started) != CONNECTION_BAD else { throw failConnect() }
        var status = PGRES_POLLING_WRITING  // libpq's rule: wait for writable first
        while true {
            switch status {
            case PGRES_POLLING_OK:
                guard let pq else { throw PostgresError(.closed) }
                PQsetnonblocking(pq, 1)
                connected = true
                socket?.arm(.readable)  // stays armed: a statement's reply and idle input alike
                return
            case PGRES_POLLING_READING, PGRES_POLLING_WRITING:
                guard let pq else { throw PostgresError(.closed) }
                let fd = PQsocket(pq)
                if socket.map({ !$0.watches(fd) }) ?? true {
                    // libpq moved to a new socket (next address or host): watch the new one.
                    socket?.close()
                    socket = nil
                    guard fd >= 0 else { throw failConnect() }
                    do {
                        socket = try SocketWatch(loop: loop, libpqDescriptor: fd) { [weak self] in self?.socketEvent($0) }
                    } catch {
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
        await onLoop(loop) { self.closeNow(.closed) }
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
        statements.removeAll()
        interruptWait(error)
        finishCancel()
    }

    func closeNow(_ code: PostgresError.Code) { closeNow(PostgresError(code)) }

    // MARK: Socket readiness

    /// Suspends until the socket is ready for one of `events`, or the wait is interrupted.
    /// Deliberately not cancellable by the task: a running statement is cancelled with PQcancel
    /// and its results drained, so the connection stays in a known state.
    ///
    /// Once connected the socket is armed for reading all the time, so waiting for a reply
    /// costs no system call; a wait that needs writability arms that too, until it ends.
    nonisolated(nonsending) func wait(for events: PollEvents) async -> WaitOutcome {
        guard let socket else { return .failed(PostgresError(.closed)) }
        if socketLost { return .failed(PostgresError(.connectionFailed, message: libpqMessage ?? "connection lost")) }
        precondition(pendingWait == nil, "two waits on one PostgreSQL connection")
        return await withUnsafeContinuation { continuation in
            pendingWait = continuation
            socket.arm(connected ? events.union(.readable) : events)
        }
    }

    /// Every readiness report of the socket watcher, on the loop thread.
    private func socketEvent(_ result: Result<PollEvents, EventLoopError>) {
        guard pendingWait != nil else { return unexpectedSocketEvent(result) }
        switch result {
        case .success(let ready):
            if connected {
                socket?.arm(.readable)  // back to the resting state after a wait for writability
            } else {
                socket?.disarm()  // connecting: each step waits for its own events
            }
            resumeWait(.ready(ready))
        case .failure(let error):
            socketLost = true
            socket?.disarm()  // libuv stopped the watcher already
            resumeWait(.failed(PostgresError(.connectionFailed, message: "\(error)")))
        }
    }

    /// A report nobody waits for. While a statement runs, it reads the socket itself (the
    /// report is the reply it is about to read). Between statements the server sent something
    /// unasked: a notice, or a termination message and EOF. Read it now; a connection that
    /// turned out lost stops being watched (the socket would stay readable) and is not reused.
    private func unexpectedSocketEvent(_ result: Result<PollEvents, EventLoopError>) {
        guard connected, let pq else {
            socket?.disarm()
            return
        }
        if case .success = result {
            if busy { return }
            if PQconsumeInput(pq) == 1, PQstatus(pq) == CONNECTION_OK {
                _ = PQisBusy(pq)  // lets libpq parse what it read (notices go to the no-op processor)
                while let notification = PQnotifies(pq) { PQfreemem(notification) }  // nobody reads them
                return
            }
        }
        // libuv stops a watcher that reports an error; a lost connection would stay readable.
        socketLost = true
        socket?.disarm()
    }

    private func resumeWait(_ outcome: WaitOutcome) {
        guard let continuation = pendingWait else { return }
        pendingWait = nil
        continuation.resume(returning: outcome)
    }

    /// Ends a pending wait with `error` (timeouts, close).
    func interruptWait(_ error: PostgresError) {
        if !connected { socket?.disarm() }
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
    /// What the server sends between statements (a termination message, EOF) is read as it
    /// arrives by the socket watcher, which stays armed, so this costs no system call.
    var isReusable: Bool {
        loop.assertInLoop()
        guard let pq, !busy, !socketLost, PQstatus(pq) == CONNECTION_OK else { return false }
        return PQtransactionStatus(pq) == PQTRANS_IDLE
    }
}
