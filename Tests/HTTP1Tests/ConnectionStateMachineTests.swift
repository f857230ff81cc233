@testable import HTTP1
import Testing

typealias Machine = ConnectionStateMachine
typealias State = ConnectionStateMachine.State
typealias Action = ConnectionStateMachine.Action

/// Every state the machine can be in.
private let allStates: [State] = [
    .idle, .readingHead, .readingBody, .responding(keepAlive: true), .responding(keepAlive: false), .closing,
    .closed,
]

/// A machine driven into `state` through real events (optionally draining first).
private func machine(in state: State, draining: Bool = false) -> Machine {
    var m = Machine()
    switch state {
    case .idle:
        break
    case .readingHead:
        _ = m.requestBytesArrived()
    case .readingBody:
        _ = m.requestBytesArrived()
        _ = m.headComplete(expectsContinue: false)
    case .responding(let keepAlive):
        _ = m.requestBytesArrived()
        _ = m.messageComplete(keepAlive: keepAlive)
    case .closing:
        _ = m.parseFailed(HTTPServerError(.malformedRequest, "x"))
    case .closed:
        _ = m.peerClosed()
    }
    precondition(m.state == state, "could not reach \(state): \(m.state)")
    if draining {
        _ = m.shutdownRequested()
        precondition(m.isDraining)
    }
    return m
}

private let headerTimeout = HTTPServerError(.headerTimeout, "The request head took too long to arrive.")
private let bodyTimeout = HTTPServerError(.bodyTimeout, "The request body took too long to arrive.")
private let refusal = HTTPServerError(.bodyTooLarge, "too big")

@Suite struct ConnectionStateMachineTests {
    @Test func startsIdleAndNotDraining() {
        let m = Machine()
        #expect(m.state == .idle)
        #expect(!m.isDraining)
        #expect(!m.keepsAliveAfterResponse)
    }

    // MARK: One event in every state (states where the event is a bug trap are noted).

    @Test(arguments: allStates)
    func requestBytesArrived(in state: State) {
        var m = machine(in: state)
        let action = m.requestBytesArrived()
        switch state {
        case .idle:
            #expect(action == .armTimer(.header))
            #expect(m.state == .readingHead)
        case .readingHead, .readingBody, .responding, .closing, .closed:
            #expect(action == Action.none)
            #expect(m.state == state)
        }
    }

    @Test(arguments: [false, true])
    func headCompleteStartsTheBody(expectsContinue: Bool) {
        // Only valid in readingHead; any other state is a precondition failure (a parser bug).
        var m = machine(in: .readingHead)
        #expect(m.headComplete(expectsContinue: expectsContinue)
            == (expectsContinue ? .sendContinueAndArmBodyTimer : .armTimer(.body)))
        #expect(m.state == .readingBody)
    }

    @Test(arguments: [State.readingHead, .readingBody], [false, true])
    func messageCompleteDispatches(in state: State, keepAlive: Bool) {
        // Valid in readingHead (no body) and readingBody; elsewhere a precondition failure.
        var m = machine(in: state)
        #expect(m.messageComplete(keepAlive: keepAlive) == .dispatch)
        #expect(m.state == .responding(keepAlive: keepAlive))
        #expect(m.keepsAliveAfterResponse == keepAlive)
    }

    @Test(arguments: [State.idle, .readingHead, .readingBody])
    func parseFailedSendsTheErrorAndCloses(in state: State) {
        // Parsing never runs while responding or closing; a failure there is a precondition failure.
        var m = machine(in: state)
        #expect(m.parseFailed(refusal) == .sendErrorAndClose(refusal))
        #expect(m.state == .closing)
    }

    @Test(arguments: [State.responding(keepAlive: true), .responding(keepAlive: false), .closed])
    func responseComplete(in state: State) {
        // Only a response in progress completes; in closed (the client left meanwhile) it is
        // ignored; in idle, reading or closing it is a precondition failure.
        var m = machine(in: state)
        let action = m.responseComplete()
        switch state {
        case .responding(keepAlive: true):
            #expect(action == .parseBufferedAndArmIdleTimer)
            #expect(m.state == .idle)
        case .responding(keepAlive: false):
            #expect(action == .closeAfterFlush)
            #expect(m.state == .closing)
        case .closed:
            #expect(action == Action.none)
            #expect(m.state == .closed)
        case .idle, .readingHead, .readingBody, .closing:
            Issue.record("not an argument")
        }
    }

    @Test(arguments: allStates)
    func timerFired(in state: State) {
        var m = machine(in: state)
        let action = m.timerFired()
        switch state {
        case .idle:
            // Idle keep-alive timeout (or a fresh connection that never sent a byte): close silently.
            #expect(action == .closeNow)
            #expect(m.state == .closed)
        case .readingHead:
            #expect(action == .sendErrorAndClose(headerTimeout))
            #expect(m.state == .closing)
        case .readingBody:
            #expect(action == .sendErrorAndClose(bodyTimeout))
            #expect(m.state == .closing)
        case .responding:
            // No timer runs while responding; a stale firing changes nothing.
            #expect(action == Action.none)
            #expect(m.state == state)
        case .closing:
            // The linger timer: stop waiting for the client to close.
            #expect(action == .closeNow)
            #expect(m.state == .closed)
        case .closed:
            #expect(action == Action.none)
            #expect(m.state == .closed)
        }
    }

    @Test(arguments: allStates)
    func peerClosed(in state: State) {
        var m = machine(in: state)
        let action = m.peerClosed()
        switch state {
        case .idle, .readingHead, .readingBody, .responding, .closing:
            #expect(action == .closeNow)
        case .closed:
            #expect(action == Action.none)
        }
        #expect(m.state == .closed)
        #expect(!m.keepsAliveAfterResponse)
    }

    @Test(arguments: allStates)
    func writeFailedBehavesLikePeerClosed(in state: State) {
        var a = machine(in: state)
        var b = machine(in: state)
        #expect(a.writeFailed() == b.peerClosed())
        #expect(a == b)
    }

    @Test(arguments: allStates)
    func shutdownRequested(in state: State) {
        var m = machine(in: state)
        let action = m.shutdownRequested()
        #expect(m.isDraining)
        switch state {
        case .idle:
            #expect(action == .closeNow)
            #expect(m.state == .closed)
        case .readingHead, .readingBody, .responding, .closing, .closed:
            // Busy connections finish their current request first.
            #expect(action == Action.none)
            #expect(m.state == state)
        }
        // Asking twice changes nothing more.
        let again = m
        #expect(m.shutdownRequested() == Action.none)
        #expect(m == again)
    }

    @Test(arguments: allStates)
    func forceClose(in state: State) {
        var m = machine(in: state)
        let action = m.forceClose()
        switch state {
        case .idle, .readingHead, .readingBody, .responding, .closing:
            #expect(action == .closeNow)
        case .closed:
            #expect(action == Action.none)
        }
        #expect(m.state == .closed)
    }

    @Test(arguments: allStates)
    func responseEndsWithClose(in state: State) {
        var m = machine(in: state)
        m.responseEndsWithClose()
        switch state {
        case .responding:
            #expect(m.state == .responding(keepAlive: false))
            #expect(!m.keepsAliveAfterResponse)
            #expect(m.responseComplete() == .closeAfterFlush)
        case .idle, .readingHead, .readingBody, .closing, .closed:
            #expect(m.state == state)
        }
    }

    @Test(arguments: allStates)
    func keepsAliveAfterResponse(in state: State) {
        let m = machine(in: state)
        switch state {
        case .responding(let keepAlive):
            #expect(m.keepsAliveAfterResponse == keepAlive)
        case .idle, .readingHead, .readingBody, .closing, .closed:
            #expect(!m.keepsAliveAfterResponse)
        }
        #expect(!machine(in: state, draining: true).keepsAliveAfterResponse)
    }

    // MARK: Draining

    @Test(arguments: [State.readingHead, .readingBody])
    func drainingRequestIsAnsweredThenClosed(in state: State) {
        var m = machine(in: state, draining: true)
        #expect(m.messageComplete(keepAlive: true) == .dispatch)
        #expect(m.state == .responding(keepAlive: false))
        #expect(!m.keepsAliveAfterResponse)
        #expect(m.responseComplete() == .closeAfterFlush)
        #expect(m.state == .closing)
        #expect(m.timerFired() == .closeNow)
        #expect(m.state == .closed)
    }

    @Test func shutdownDuringAKeepAliveResponseClosesAfterIt() {
        var m = machine(in: .responding(keepAlive: true))
        #expect(m.keepsAliveAfterResponse)
        #expect(m.shutdownRequested() == Action.none)
        #expect(!m.keepsAliveAfterResponse)
        #expect(m.state == .responding(keepAlive: true))
        #expect(m.responseComplete() == .closeAfterFlush)
        #expect(m.state == .closing)
        #expect(m.peerClosed() == .closeNow)
    }

    @Test func drainingStillRefusesBadRequests() {
        var m = machine(in: .readingHead, draining: true)
        #expect(m.parseFailed(refusal) == .sendErrorAndClose(refusal))
        #expect(m.state == .closing)
    }

    @Test func drainingConnectionIgnoresBytesAfterClosing() {
        var m = machine(in: .idle, draining: true)
        #expect(m.state == .closed)
        #expect(m.requestBytesArrived() == Action.none)
        #expect(m.forceClose() == Action.none)
    }

    // MARK: Whole conversations and their timers

    @Test func keepAliveConversationArmsTheRightTimerInEachState() {
        var m = Machine()
        var timers: [Machine.Timer] = []
        func record(_ action: Action) {
            if case .armTimer(let timer) = action { timers.append(timer) }
        }
        // GET without a body.
        record(m.requestBytesArrived())
        #expect(m.messageComplete(keepAlive: true) == .dispatch)
        #expect(m.responseComplete() == .parseBufferedAndArmIdleTimer)
        // POST with a body.
        record(m.requestBytesArrived())
        record(m.headComplete(expectsContinue: false))
        #expect(m.messageComplete(keepAlive: true) == .dispatch)
        #expect(m.responseComplete() == .parseBufferedAndArmIdleTimer)
        // POST with Expect: 100-continue, then the client asks to close.
        record(m.requestBytesArrived())
        #expect(m.headComplete(expectsContinue: true) == .sendContinueAndArmBodyTimer)
        #expect(m.messageComplete(keepAlive: false) == .dispatch)
        #expect(m.responseComplete() == .closeAfterFlush)
        #expect(m.state == .closing)
        #expect(timers == [.header, .header, .body, .header])
        // The client closes once it read the last response.
        #expect(m.peerClosed() == .closeNow)
        #expect(m.state == .closed)
        #expect(m.responseComplete() == Action.none)
    }

    @Test func clientLeavingMidResponseIgnoresTheLateCompletion() {
        var m = machine(in: .responding(keepAlive: true))
        #expect(m.peerClosed() == .closeNow)
        #expect(m.responseComplete() == Action.none)
        #expect(m.timerFired() == Action.none)
        #expect(m.state == .closed)
    }

    @Test func headerTimeoutThenLingerTimeout() {
        var m = machine(in: .readingHead)
        #expect(m.timerFired() == .sendErrorAndClose(headerTimeout))
        #expect(m.requestBytesArrived() == Action.none)
        #expect(m.timerFired() == .closeNow)
        #expect(m.state == .closed)
    }
}
