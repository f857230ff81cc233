/// The lifecycle of one HTTP/1.1 server connection, as a value with no I/O: events in,
/// orders out. The connection object executes the orders (see `HTTPServerConnection`).
///
/// One request is handled at a time; bytes of pipelined requests wait unparsed until the
/// response before them is done, so responses leave in request order.
struct ConnectionStateMachine: Equatable {
    enum State: Equatable {
        /// Between requests; the idle timer runs.
        case idle
        /// Part of a request head has arrived; the header timer runs.
        case readingHead
        /// The head is complete and the body is arriving; the body timer runs.
        case readingBody
        /// A responder is working or the response is being written; no timer runs.
        case responding(keepAlive: Bool)
        /// The last response is being flushed; then the connection closes. The linger timer runs.
        case closing
        case closed
    }

    /// Which timer to arm.
    enum Timer: Equatable { case idle, header, body, linger }

    enum Action: Equatable {
        case none
        case armTimer(Timer)
        /// Hand the request to the responder; no timer runs meanwhile.
        case dispatch
        /// Write `100 Continue` and keep reading the body under the body timer.
        case sendContinueAndArmBodyTimer
        /// Write this error response with `Connection: close`, then close after flushing.
        case sendErrorAndClose(HTTPServerError)
        /// Parse any buffered bytes, then arm the idle timer if none started a request.
        case parseBufferedAndArmIdleTimer
        /// Close after pending writes flush (arming the linger timer).
        case closeAfterFlush
        /// Close now, dropping unsent bytes; cancel a running responder.
        case closeNow
    }

    private(set) var state: State = .idle
    /// Set when the server is shutting down: no further request is read after the current one.
    private(set) var isDraining = false

    /// Whether the response being written may keep the connection open.
    var keepsAliveAfterResponse: Bool {
        if case .responding(let keepAlive) = state { return keepAlive && !isDraining }
        return false
    }

    /// Bytes of a new request arrived (or buffered bytes are about to be parsed).
    mutating func requestBytesArrived() -> Action {
        switch state {
        case .idle:
            state = .readingHead
            return .armTimer(.header)
        case .readingHead, .readingBody, .responding, .closing, .closed:
            return .none
        }
    }

    /// The head is complete and a body follows.
    mutating func headComplete(expectsContinue: Bool) -> Action {
        switch state {
        case .readingHead:
            state = .readingBody
            return expectsContinue ? .sendContinueAndArmBodyTimer : .armTimer(.body)
        case .idle, .readingBody, .responding, .closing, .closed:
            preconditionFailure("headComplete in state \(state)")
        }
    }

    /// A whole request arrived.
    mutating func messageComplete(keepAlive: Bool) -> Action {
        switch state {
        case .readingHead, .readingBody:
            state = .responding(keepAlive: keepAlive && !isDraining)
            return .dispatch
        case .idle, .responding, .closing, .closed:
            preconditionFailure("messageComplete in state \(state)")
        }
    }

    /// The parser refused the request.
    mutating func parseFailed(_ error: HTTPServerError) -> Action {
        switch state {
        case .idle, .readingHead, .readingBody:
            state = .closing
            return .sendErrorAndClose(error)
        case .responding, .closing, .closed:
            preconditionFailure("parseFailed in state \(state)")
        }
    }

    /// The response is fully handed to the socket.
    mutating func responseComplete() -> Action {
        switch state {
        case .responding(let keepAlive):
            if keepAlive && !isDraining {
                state = .idle
                return .parseBufferedAndArmIdleTimer
            }
            state = .closing
            return .closeAfterFlush
        case .closed:
            return .none
        case .idle, .readingHead, .readingBody, .closing:
            preconditionFailure("responseComplete in state \(state)")
        }
    }

    /// The armed timer fired.
    mutating func timerFired() -> Action {
        switch state {
        case .idle:
            state = .closed
            return .closeNow
        case .readingHead:
            state = .closing
            return .sendErrorAndClose(HTTPServerError(.headerTimeout, "The request head took too long to arrive."))
        case .readingBody:
            state = .closing
            return .sendErrorAndClose(HTTPServerError(.bodyTimeout, "The request body took too long to arrive."))
        case .closing:
            state = .closed
            return .closeNow
        case .responding, .closed:
            return .none
        }
    }

    /// The client closed its side or the socket failed.
    mutating func peerClosed() -> Action {
        switch state {
        case .idle, .readingHead, .readingBody, .responding, .closing:
            state = .closed
            return .closeNow
        case .closed:
            return .none
        }
    }

    /// Writing failed: the client is gone.
    mutating func writeFailed() -> Action { peerClosed() }

    /// The server stops: idle connections close now, busy ones after their current response.
    mutating func shutdownRequested() -> Action {
        isDraining = true
        switch state {
        case .idle:
            state = .closed
            return .closeNow
        case .readingHead, .readingBody, .responding, .closing, .closed:
            return .none
        }
    }

    /// The grace period ran out: close whatever is left.
    mutating func forceClose() -> Action {
        switch state {
        case .closed:
            return .none
        case .idle, .readingHead, .readingBody, .responding, .closing:
            state = .closed
            return .closeNow
        }
    }

    /// The response's body has no framing (HTTP/1.0 stream): only closing the connection ends it.
    mutating func responseEndsWithClose() {
        switch state {
        case .responding:
            state = .responding(keepAlive: false)
        case .idle, .readingHead, .readingBody, .closing, .closed:
            break
        }
    }
}
