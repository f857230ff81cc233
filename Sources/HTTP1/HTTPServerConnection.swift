import EventLoop

/// One accepted client connection: reads, parses, dispatches and writes, executing the orders
/// of its `ConnectionStateMachine`. Confined to its loop thread.
final class HTTPServerConnection: @unchecked Sendable {  // confined to `stream.loop`'s thread
    private let stream: TCPStream
    private let timer: LoopTimer
    /// Strong: the server holds this connection only until it closes, so the cycle ends then.
    private let server: LoopServer
    private var machine = ConnectionStateMachine()
    private let parser: RequestParser
    private let remoteAddress: String

    /// Bytes received while a response was in progress, parsed once it is done.
    private var buffered: [UInt8] = []
    private var isParsing = false
    /// The timer arming last asked for while parsing: applied once when `parse` ends, so a
    /// request that arrives whole in one read costs one timer operation, not three.
    private var deferredTimer: Duration?
    private var readPaused = false
    private var flushThenShutdown = false

    /// The request being answered and when it arrived.
    private var current: (request: HTTPRequest, startedAt: UInt64)?
    private var responderTask: Task<Void, Never>?
    private var bodyWriter: ConnectionBodyWriter?

    /// Unparsed input kept while a response is in progress; past this the socket stops being read.
    private var maxBufferedBytes: Int { server.configuration.limits.maxHeaderBytes + server.configuration.limits.maxBodyBytes }

    init(stream: TCPStream, server: LoopServer) {
        self.stream = stream
        self.server = server
        timer = LoopTimer(loop: stream.loop)
        parser = RequestParser(limits: server.configuration.limits)
        remoteAddress = stream.peerAddress?.description ?? "unknown"
    }

    var loop: EventLoop { stream.loop }
    var isClosed: Bool { machine.state == .closed }

    func start() {
        stream.startReading { [self] event in onRead(event) }
        timer.start(after: server.configuration.timeouts.header) { [self] in apply(machine.timerFired()) }
        // A fresh connection gets the header timeout (armed above): it must start a request promptly.
    }

    // MARK: Input

    private func onRead(_ event: TCPStream.ReadEvent) {
        switch event {
        case .bytes(let bytes):
            switch machine.state {
            case .idle, .readingHead, .readingBody:
                parse(bytes)
            case .responding:
                buffered.append(contentsOf: bytes)
                if buffered.count > maxBufferedBytes {
                    stream.stopReading()
                    readPaused = true
                }
            case .closing, .closed:
                break  // lingering close: discard what a refused client still sends
            }
        case .endOfFile, .failed:
            apply(machine.peerClosed())
        }
    }

    /// Parses `bytes` until they run out or a request goes to an async responder.
    private func parse(_ bytes: UnsafeRawBufferPointer) {
        isParsing = true
        defer {
            isParsing = false
            applyDeferredTimer()
        }
        var remaining = bytes
        while !remaining.isEmpty {
            switch machine.state {
            case .idle:
                apply(machine.requestBytesArrived())
            case .readingHead, .readingBody:
                break
            case .responding:
                buffered.append(contentsOf: remaining)
                return
            case .closing, .closed:
                return
            }
            let (consumed, outcome) = parser.feed(remaining)
            remaining = UnsafeRawBufferPointer(rebasing: remaining[consumed...])
            switch outcome {
            case .needMore:
                continue
            case .headComplete(let expectsContinue):
                apply(machine.headComplete(expectsContinue: expectsContinue))
            case .message(let request):
                let action = machine.messageComplete(keepAlive: request.keepAlive)
                precondition(action == .dispatch, "messageComplete gave \(action)")
                dispatch(request)
            case .failed(let error):
                apply(machine.parseFailed(error))
                return
            }
        }
    }

    private func parseBuffered() {
        if readPaused {
            readPaused = false
            stream.resumeReading()
        }
        guard !buffered.isEmpty else {
            armTimer(server.configuration.timeouts.idle)
            return
        }
        let pending = buffered
        buffered = []
        pending.withUnsafeBytes { parse($0) }
    }

    private func applyDeferredTimer() {
        guard let duration = deferredTimer else { return }
        deferredTimer = nil
        switch machine.state {
        case .responding:
            timer.stop()  // a responder is at work: no client timeout applies until it answers
        case .idle, .readingHead, .readingBody, .closing:
            timer.restart(after: duration)
        case .closed:
            break
        }
    }

    // MARK: Orders

    private func apply(_ action: ConnectionStateMachine.Action) {
        switch action {
        case .none, .dispatch:
            break
        case .armTimer(let which):
            let timeouts = server.configuration.timeouts
            switch which {
            case .idle: armTimer(timeouts.idle)
            case .header: armTimer(timeouts.header)
            case .body: armTimer(timeouts.body)
            case .linger: armTimer(timeouts.linger)
            }
        case .sendContinueAndArmBodyTimer:
            stream.write(ResponseEncoder.continueResponse)
            armTimer(server.configuration.timeouts.body)
        case .sendErrorAndClose(let error):
            timer.stop()
            let response = server.configuration.errorResponse(error)
            let requestID = server.nextRequestID()
            write(response, requestID: requestID, versionMinor: 1, keepAlive: false, isHead: false)
            server.logAccess(
                HTTPAccessRecord(
                    method: "-", path: "-", status: response.status.rawValue, durationNanos: 0,
                    requestID: requestID, routeTemplate: "refused", remoteAddress: remoteAddress,
                    errorCode: error.code.name, user: nil))
            closeAfterFlush()
        case .parseBufferedAndArmIdleTimer:
            if isParsing {
                armTimer(server.configuration.timeouts.idle)
            } else {
                parseBuffered()
            }
        case .closeAfterFlush:
            closeAfterFlush()
        case .closeNow:
            closeNow()
        }
    }

    /// Arms the connection's one timer (its callback is set once in `start()`); while parsing,
    /// only the last request counts and is applied when parsing ends.
    private func armTimer(_ duration: Duration) {
        if isParsing {
            deferredTimer = duration
        } else {
            timer.restart(after: duration)
        }
    }

    /// Lingering close: flush, send FIN, discard input until the peer closes or the linger timer fires.
    private func closeAfterFlush() {
        armTimer(server.configuration.timeouts.linger)
        if stream.pendingWriteBytes == 0 {
            stream.shutdownWriting()
        } else {
            flushThenShutdown = true
        }
    }

    private func closeNow() {
        timer.close()
        stream.close()
        responderTask?.cancel()
        responderTask = nil
        bodyWriter?.connectionClosed()
        bodyWriter = nil
        if let current {
            // The client left before its response was written: record it as nginx's 499.
            logCompletion(of: current.request, startedAt: current.startedAt, status: 499, route: nil, user: nil)
            self.current = nil
        }
        buffered = []
        server.connectionClosed(self)
    }

    /// The server is stopping.
    func shutdownRequested() { apply(machine.shutdownRequested()) }

    /// The grace period is over.
    func forceClose() { apply(machine.forceClose()) }

    // MARK: Responding

    private func dispatch(_ parsed: ParsedRequest) {
        let headerID = parsed.headers["x-request-id"]
        let requestID = headerID.flatMap { RequestIDGenerator.isUsable($0) ? $0 : nil } ?? server.nextRequestID()
        let request = HTTPRequest(
            method: parsed.method, target: parsed.target, versionMinor: parsed.versionMinor,
            headers: parsed.headers, body: parsed.body, requestID: requestID)
        let startedAt = EventLoop.monotonicNanoseconds
        current = (request, startedAt)
        switch server.responder.dispatch(request) {
        case .immediate(let response):
            respond(response)
        case .deferred(let handler):
            let context = HTTPRequestContext(remoteAddress: remoteAddress, receivedAtNanos: startedAt)
            responderTask = Task(executorPreference: loop) { [self] in
                let response = await handler(request, context)
                self.loop.assertInLoop()
                self.responderTask = nil
                self.respond(response)
            }
        }
    }

    /// Writes `response` for the current request and moves the state machine on.
    private func respond(_ response: HTTPResponse) {
        if case .later(let work, let finishers) = response.body {
            respondLater(work, finishers: finishers, standIn: response)
            return
        }
        guard let request = current?.request, !isClosed else { return }
        let keepAlive = machine.keepsAliveAfterResponse
        let isHead = request.method == .head
        switch response.body {
        case .bytes:
            write(response, requestID: request.requestID, versionMinor: request.versionMinor, keepAlive: keepAlive, isHead: isHead)
            finishResponse(response)
        case .stream(let produce):
            let chunked = request.versionMinor >= 1
            let head = server.encoder.head(
                for: response, requestID: request.requestID, versionMinor: request.versionMinor,
                keepAlive: keepAlive && chunked, contentLength: nil)
            stream.write(head)
            if isHead || !response.status.allowsBody {
                finishResponse(response)
                return
            }
            let writer = ConnectionBodyWriter(connection: self, chunked: chunked)
            bodyWriter = writer
            responderTask = Task(executorPreference: loop) { [self] in
                // A writer the producer kept must not write into the next response.
                defer { writer.connectionClosed() }
                do {
                    try await produce(writer)
                    guard !isClosed else { return }
                    // With a completion like every body write, so a pending close sees the queue drain.
                    if chunked { stream.write(ResponseEncoder.lastChunk) { [self] error in writeCompleted(error) } }
                    bodyWriter = nil
                    responderTask = nil
                    if !chunked { machine.responseEndsWithClose() }
                    finishResponse(response)
                } catch {
                    // The head is gone already: all a failed stream can do is cut the connection.
                    if !isClosed {
                        if let (request, startedAt) = current {
                            // Recorded as what it was (not as a client that left: 499).
                            logCompletion(
                                of: request, startedAt: startedAt, status: response.status.rawValue, route: response.routeTemplate,
                                user: response.user, errorCode: "stream_failed")
                            current = nil
                        }
                        stream.reset()
                        apply(machine.forceClose())
                    }
                }
            }
        case .later:
            preconditionFailure("a later response is handed to respondLater first")
        }
    }

    /// Runs a later response's work in a task of its own (the responder's has ended) and
    /// answers with what it returns. Started even on a closed connection, then cancelled at
    /// once: the work must get to undo what it holds.
    private func respondLater(
        _ work: @escaping @Sendable () async throws -> HTTPResponse, finishers: [HTTPResponse.LaterFinisher],
        standIn: HTTPResponse
    ) {
        let task = Task(executorPreference: loop) { [self] in
            var response: HTTPResponse
            switch await HTTPResponse.resolve(work, finishers: finishers) {
            case .success(let resolved):
                response = resolved
            case .failure:
                response = server.configuration.errorResponse(HTTPServerError(.responderFailed, "The server failed to answer."))
            }
            loop.assertInLoop()
            guard !isClosed else { return }
            responderTask = nil
            if response.user == nil { response.user = standIn.user }
            if response.routeTemplate == nil { response.routeTemplate = standIn.routeTemplate }
            respond(response)
        }
        if isClosed {
            task.cancel()
        } else {
            responderTask = task
        }
    }

    private func finishResponse(_ response: HTTPResponse) {
        if let (request, startedAt) = current {
            logCompletion(
                of: request, startedAt: startedAt, status: response.status.rawValue, route: response.routeTemplate,
                user: response.user)
            current = nil
        }
        apply(machine.responseComplete())
    }

    private func logCompletion(
        of request: HTTPRequest, startedAt: UInt64, status: Int, route: String?, user: String?, errorCode: String? = nil
    ) {
        guard server.isAccessLogged else { return }
        server.logAccess(
            HTTPAccessRecord(
                method: request.method.rawValue, path: String(request.path), status: status,
                durationNanos: EventLoop.monotonicNanoseconds &- startedAt, requestID: request.requestID,
                routeTemplate: route, remoteAddress: remoteAddress, errorCode: errorCode, user: user))
    }

    private func write(_ response: HTTPResponse, requestID: String, versionMinor: Int, keepAlive: Bool, isHead: Bool) {
        guard case .bytes(let body) = response.body else { return }
        var bytes = server.encoder.head(
            for: response, requestID: requestID, versionMinor: versionMinor, keepAlive: keepAlive,
            contentLength: body.count)
        if !isHead && response.status.allowsBody { bytes.append(contentsOf: body) }
        stream.write(bytes) { [self] error in writeCompleted(error) }
    }

    private func writeCompleted(_ error: EventLoopError?) {
        if error != nil {
            apply(machine.writeFailed())
            return
        }
        if flushThenShutdown && stream.pendingWriteBytes == 0 {
            flushThenShutdown = false
            stream.shutdownWriting()
        }
        bodyWriter?.writesProgressed()
    }

    // MARK: Streamed bodies

    /// Writes one body chunk for `ConnectionBodyWriter`; the completion reports the socket's state.
    func writeBodyChunk(_ bytes: [UInt8], chunked: Bool) -> Bool {
        guard !isClosed else { return false }
        if bytes.isEmpty { return true }
        stream.write(chunked ? ResponseEncoder.chunk(bytes) : bytes) { [self] error in writeCompleted(error) }
        return true
    }

    var pendingWriteBytes: Int { stream.pendingWriteBytes }
}
