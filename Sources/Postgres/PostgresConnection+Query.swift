internal import CPQ
internal import EventLoop
#if canImport(Glibc)
import Glibc
#endif

extension PostgresConnection {
    /// How long to wait for the server to answer a cancel request before dropping the connection.
    static let cancelGrace: Duration = .seconds(5)

    /// Runs one statement with its parameters (sent as typed text, never spliced into the SQL),
    /// as a prepared statement cached on this connection by SQL text and parameter types.
    ///
    /// - Parameters:
    ///   - query: the SQL with `$1…` placeholders and its bindings.
    ///   - timeout: cancels the statement (`PQcancel`) when it runs longer; it then throws `.timeout`.
    /// - Returns: the rows (for a statement returning none, an empty collection with the command tag).
    /// - Throws: `PostgresError`: `.queryFailed` (SQLSTATE in `sqlState`), `.timeout`, `.cancelled`
    ///   (task cancelled; the statement was cancelled on the server), `.connectionFailed`, `.closed`.
    ///   After `.timeout`/`.cancelled`/`.queryFailed` the connection is usable again.
    @discardableResult
    public func query(_ query: PostgresQuery, timeout: Duration? = nil) async throws -> PostgresRows {
        try await onLoop(loop) { () async throws(PostgresError) -> PostgresRows in
            try await self.run(query, timeout: timeout)
        }
    }

    /// Runs a script of several statements (`;`-separated, no parameters) with the simple query
    /// protocol — for migration files and fixed administrative SQL, never for values.
    public func executeScript(_ sql: String, timeout: Duration? = nil) async throws {
        try await onLoop(loop) { () async throws(PostgresError) in
            _ = try await self.perform(timeout: timeout, cancellable: true) { await self.sendScript(sql) }
        }
    }

    /// Loop thread only, in a task that prefers the loop.
    nonisolated(nonsending) func run(
        _ query: PostgresQuery, timeout: Duration?, cancellable: Bool = true
    ) async throws(PostgresError) -> PostgresRows {
        PostgresRows(try await perform(timeout: timeout, cancellable: cancellable) { await self.exchange(query) })
    }

    /// The frame of every operation: exclusivity, timeout and cancellation (its one
    /// cancellation handler), cancel draining, and the mapping of errors. Returns the last
    /// result. Loop thread only.
    nonisolated(nonsending) func perform(
        timeout: Duration?, cancellable: Bool,
        _ body: nonisolated(nonsending) () async -> Result<PostgresResultStorage?, PostgresError>
    ) async throws(PostgresError) -> PostgresResultStorage? {
        loop.assertInLoop()
        guard pq != nil else { throw PostgresError(.closed) }
        guard !busy else { throw PostgresError(.connectionBusy) }
        if cancellable && Task.isCancelled { throw PostgresError(.cancelled) }
        busy = true
        generation += 1
        let current = generation
        cancelReason = nil
        if let timeout {
            startTimer(after: timeout) { [weak self] in self?.requestCancel(.timeout, generation: current) }
        }
        let outcome: Result<PostgresResultStorage?, PostgresError>
        if cancellable {
            outcome = await withTaskCancellationHandler {
                await body()
            } onCancel: { [self] in
                loop.execute { self.requestCancel(.cancelled, generation: current) }
            }
        } else {
            outcome = await body()
        }
        timer?.stop()
        if cancelInFlight {
            // A cancel request still on its way must not hit the next statement.
            await withUnsafeContinuation { cancelDone = $0 }
        }
        busy = false
        let reason = cancelReason
        cancelReason = nil
        let broken = socketLost || pq.map { PQstatus($0) == CONNECTION_BAD } ?? true
        if broken, pq != nil { closeNow(PostgresError(.connectionFailed, message: libpqMessage)) }
        switch outcome {
        case .success(let result):
            return result
        case .failure(let error):
            if let reason, error.sqlState == "57014" || broken {
                throw PostgresError(
                    reason == .timeout ? .timeout : .cancelled, message: error.message, sqlState: error.sqlState)
            }
            if broken, error.code == .queryFailed {
                throw PostgresError(.connectionFailed, message: error.message, sqlState: error.sqlState, detail: error.detail)
            }
            throw error
        }
    }

    // MARK: Cancellation

    /// Asks the server to cancel the running statement. `PQcancel` blocks (it opens a new
    /// connection), so it runs on a helper thread; the statement's results are still drained
    /// here, and the connection stays busy until the cancel request is done.
    func requestCancel(_ reason: CancelReason, generation: Int) {
        guard busy, generation == self.generation, cancelReason == nil, let pq else { return }
        cancelReason = reason
        guard let handle = PQgetCancel(pq) else {
            closeNow(PostgresError(.connectionFailed, message: "PQgetCancel failed"))
            return
        }
        cancelInFlight = true
        startTimer(after: Self.cancelGrace) { [weak self] in
            guard let self, self.busy, self.generation == generation else { return }
            self.closeNow(PostgresError(.connectionFailed, message: "the server did not answer a cancel request"))
        }
        let transfer = UnsafeTransfer(handle)
        let loop = self.loop
        BlockingThread.run {
            var buffer = [CChar](repeating: 0, count: 256)
            let sent = PQcancel(transfer.value, &buffer, Int32(buffer.count)) == 1
            PQfreeCancel(transfer.value)
            let message = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            loop.execute { self.cancelSent(sent, message: message, generation: generation) }
        }
    }

    private func cancelSent(_ sent: Bool, message: String, generation: Int) {
        guard loop.inLoop else { return }  // the loop ended meanwhile
        if !sent, busy, generation == self.generation {
            closeNow(PostgresError(.connectionFailed, message: "cancel request failed: \(message)"))
        }
        finishCancel()
    }

    func finishCancel() {
        cancelInFlight = false
        if let continuation = cancelDone {
            cancelDone = nil
            continuation.resume()
        }
    }

    // MARK: The protocol exchange

    nonisolated(nonsending) private func exchange(_ query: PostgresQuery) async -> Result<PostgresResultStorage?, PostgresError> {
        guard let pq else { return .failure(PostgresError(.closed)) }
        guard let values = parameters.load(query.bindings) else {
            return .failure(PostgresError(.queryFailed, message: "a parameter contains a NUL character", sqlState: "22021"))
        }
        let key = query.statementKey
        var statement = statements.lookUp(key, query.bindings)
        if statement == nil, !statements.isFull {
            let types = query.bindings.map(\.type.rawValue)
            let prepared = StatementCache.Statement(types: types, name: statements.newName())
            guard PQsendPrepare(pq, prepared.name, query.sql, Int32(types.count), types) == 1 else {
                return .failure(connectionError())
            }
            if case .failure(let error) = await flushAndDrain() { return .failure(error) }
            statements.insert(prepared, for: key)
            statement = prepared
            if cancelReason != nil {
                return .failure(PostgresError(.queryFailed, message: "cancelled before execution", sqlState: "57014"))
            }
        }
        guard let pq = self.pq else { return .failure(PostgresError(.closed)) }
        let count = Int32(query.bindings.count)
        let sent: Int32
        if let statement {
            sent = PQsendQueryPrepared(pq, statement.name, count, values, nil, nil, 0)
        } else {
            sent = PQsendQueryParams(pq, query.sql, count, query.bindings.map(\.type.rawValue), values, nil, nil, 0)
        }
        guard sent == 1 else { return .failure(connectionError()) }
        let result = await flushAndDrain()
        if case .failure(let error) = result, error.sqlState == "26000" || error.sqlState == "0A000", let statement {
            statements.remove(key, types: statement.types)  // gone or stale: prepare again next time
        }
        return result
    }

    nonisolated(nonsending) private func sendScript(_ sql: String) async -> Result<PostgresResultStorage?, PostgresError> {
        guard let pq else { return .failure(PostgresError(.closed)) }
        guard PQsendQuery(pq, sql) == 1 else { return .failure(connectionError()) }
        return await flushAndDrain()
    }

    private func connectionError() -> PostgresError {
        PostgresError(.connectionFailed, message: libpqMessage ?? "connection lost")
    }

    nonisolated(nonsending) private func flushAndDrain() async -> Result<PostgresResultStorage?, PostgresError> {
        if let error = await flush() { return .failure(error) }
        return await drain()
    }

    /// Sends what libpq buffered, waiting for writability while `PQflush` returns 1 (and reading
    /// meanwhile, as libpq asks, so a server blocked on its own writes cannot deadlock us).
    nonisolated(nonsending) private func flush() async -> PostgresError? {
        while true {
            guard let pq else { return PostgresError(.closed) }
            switch PQflush(pq) {
            case 0: return nil
            case 1: break
            default: return connectionError()
            }
            switch await wait(for: [.readable, .writable]) {
            case .failed(let error): return error
            case .ready(let events):
                if events.contains(.readable), let pq = self.pq, PQconsumeInput(pq) == 0 { return connectionError() }
            }
        }
    }

    /// Reads until `PQgetResult` returns NULL, keeping the last result; the first error wins.
    nonisolated(nonsending) private func drain() async -> Result<PostgresResultStorage?, PostgresError> {
        var last: PostgresResultStorage?
        var firstError: PostgresError?
        while true {
            guard let pq else { return .failure(firstError ?? PostgresError(.closed)) }
            if PQisBusy(pq) == 0 {
                guard let result = PQgetResult(pq) else { break }
                switch PQresultStatus(result) {
                case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
                    last = PostgresResultStorage(result)
                case PGRES_COPY_IN, PGRES_COPY_OUT, PGRES_COPY_BOTH:
                    PQclear(result)
                    let error = PostgresError(.queryFailed, message: "COPY is not supported by this client")
                    closeNow(error)
                    return .failure(error)
                default:
                    firstError = firstError ?? Self.error(from: result)
                    PQclear(result)
                }
                continue
            }
            switch await wait(for: .readable) {
            case .failed(let error): return .failure(firstError ?? error)
            case .ready:
                if let pq = self.pq, PQconsumeInput(pq) == 0 {
                    // libpq queued an error result for the lost connection; collect it next round.
                    if PQisBusy(pq) != 0 { return .failure(firstError ?? connectionError()) }
                }
            }
        }
        if let firstError { return .failure(firstError) }
        return .success(last)
    }

    private static func error(from result: OpaquePointer) -> PostgresError {
        func field(_ code: UInt8) -> String? {
            PQresultErrorField(result, Int32(code)).map { String(cString: $0) }
        }
        let sqlState = field(UInt8(ascii: "C"))
        let message = field(UInt8(ascii: "M")) ?? String(cString: PQresultErrorMessage(result)).trimmingTrailingNewlines
        // Class 08 (connection exception) and 57P0x (server shutting down, terminated) mean the
        // connection is gone, not that the statement was wrong.
        let lost = sqlState?.hasPrefix("08") == true || sqlState?.hasPrefix("57P0") == true
        return PostgresError(
            lost ? .connectionFailed : .queryFailed, message: message, sqlState: sqlState, detail: field(UInt8(ascii: "D")))
    }
}
