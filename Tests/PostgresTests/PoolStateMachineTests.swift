@testable import Postgres
import Testing

/// The pool's decisions without sockets or clocks: connections are integers, time is a number.
struct PoolStateMachineTests {
    typealias Machine = PoolStateMachine<Int>

    static let second: UInt64 = 1_000_000_000

    func machine(minimum: Int = 0, maximum: Int = 2, backoff: Duration = .milliseconds(100), cap: Duration = .milliseconds(400)) -> Machine {
        Machine(
            minimumConnections: minimum, maximumConnections: maximum, acquireTimeout: .seconds(5),
            initialBackoff: backoff, maximumBackoff: cap)
    }

    let reusable: (Int) -> Bool = { _ in true }

    /// A machine with `connections` idle connections numbered 1…n.
    func withIdle(_ connections: Int, maximum: Int = 2) -> Machine {
        var m = machine(maximum: maximum)
        for _ in 1...connections { _ = m.acquire(now: 0, isReusable: reusable) }  // waiters 1…n, n attempts
        for connection in 1...connections { _ = m.connected(connection, now: 0) }  // handed over
        for connection in 1...connections { _ = m.release(connection, isReusable: true, now: 0) }  // idle
        return m
    }

    func failure(_ message: String = "refused") -> Machine.Failure {
        .unreachable(message: message, sqlState: nil)
    }

    // MARK: Acquire

    @Test func acquireWithAnIdleConnectionLendsIt() {
        var m = withIdle(1)
        #expect(m.idle == [1])
        #expect(m.acquire(now: 0, isReusable: reusable) == [.lend(1)])
        #expect(m.inUse == 1 && m.idle.isEmpty)
    }

    @Test func takeIdleLendsOrAnswersNothing() {
        var m = withIdle(1)
        #expect(m.takeIdle(isReusable: reusable) == [.lend(1)])
        #expect(m.takeIdle(isReusable: reusable) == [])
        #expect(m.inUse == 1 && m.waiterCount == 0 && m.connecting == 0)
    }

    @Test func brokenIdleConnectionsAreClosedWhileLooking() {
        var m = withIdle(2)
        #expect(m.acquire(now: 0, isReusable: { $0 == 1 }) == [.closeConnection(2), .lend(1)])
        #expect(m.total == 1)
        var n = withIdle(1)
        #expect(n.takeIdle(isReusable: { _ in false }) == [.closeConnection(1)])
        #expect(n.total == 0)
    }

    @Test func acquireBelowTheMaximumQueuesAndOpensAConnection() {
        var m = machine(maximum: 2)
        #expect(m.acquire(now: 10, isReusable: reusable) == [.enqueue(1, deadline: 10 + 5 * Self.second), .openConnections(1)])
        #expect(m.connecting == 1 && m.waiterCount == 1)
        // A second caller: one more attempt, never more than callers waiting.
        #expect(m.acquire(now: 20, isReusable: reusable) == [.enqueue(2, deadline: 20 + 5 * Self.second), .openConnections(1)])
        #expect(m.connected(7, now: 30) == [.handOver(7, to: 1)])
        #expect(m.inUse == 1 && m.connecting == 1 && m.waiterCount == 1)
    }

    @Test func acquireAtTheMaximumQueuesWithoutOpening() {
        var m = withIdle(2)
        _ = m.acquire(now: 0, isReusable: reusable)
        _ = m.acquire(now: 0, isReusable: reusable)
        #expect(m.acquire(now: 0, isReusable: reusable) == [.enqueue(3, deadline: 5 * Self.second)])
        #expect(m.connecting == 0 && m.statistics.waiters == 1)
    }

    // MARK: Release

    @Test func releaseWithWaitersHandsOverInArrivalOrder() {
        var m = withIdle(1, maximum: 1)
        _ = m.acquire(now: 0, isReusable: reusable)
        _ = m.acquire(now: 0, isReusable: reusable)  // waiter 2
        _ = m.acquire(now: 0, isReusable: reusable)  // waiter 3
        #expect(m.release(1, isReusable: true, now: 1) == [.handOver(1, to: 2)])
        #expect(m.release(1, isReusable: true, now: 2) == [.handOver(1, to: 3)])
        #expect(m.release(1, isReusable: true, now: 3) == [])
        #expect(m.idle == [1] && m.inUse == 0)
    }

    @Test func aBrokenConnectionIsReplaced() {
        var m = withIdle(1, maximum: 1)
        _ = m.acquire(now: 0, isReusable: reusable)
        _ = m.acquire(now: 0, isReusable: reusable)  // waiter 2
        #expect(m.release(1, isReusable: false, now: 1) == [.closeConnection(1), .openConnections(1)])
        #expect(m.connected(2, now: 2) == [.handOver(2, to: 2)])
        // With a minimum and nobody waiting, the minimum is restored.
        var n = machine(minimum: 1, maximum: 2)
        #expect(n.start(now: 0) == [.openConnections(1)])
        _ = n.connected(1, now: 0)
        _ = n.acquire(now: 0, isReusable: reusable)
        #expect(n.release(1, isReusable: false, now: 1) == [.closeConnection(1), .openConnections(1)])
    }

    // MARK: Waiters

    @Test func aWaiterFailsAtItsDeadlineOnce() {
        var m = withIdle(1, maximum: 1)
        _ = m.acquire(now: 0, isReusable: reusable)
        _ = m.acquire(now: 0, isReusable: reusable)  // waiter 2
        #expect(m.waiterTimedOut(2) == [.failWaiter(2, .exhausted(after: .seconds(5)))])
        #expect(m.waiterTimedOut(2) == [])
        #expect(m.release(1, isReusable: true, now: 1) == [])
        #expect(m.idle == [1])
    }

    @Test func aCancelledWaiterLeavesTheQueue() {
        var m = withIdle(1, maximum: 1)
        _ = m.acquire(now: 0, isReusable: reusable)
        _ = m.acquire(now: 0, isReusable: reusable)  // waiter 2
        _ = m.acquire(now: 0, isReusable: reusable)  // waiter 3
        #expect(m.waiterCancelled(2) == [.dropWaiter(2)])
        #expect(m.waiterCancelled(2) == [])
        #expect(m.release(1, isReusable: true, now: 1) == [.handOver(1, to: 3)])
    }

    // MARK: Failures and backoff

    @Test func aFailedConnectFailsWaitersAndBacksOffExponentiallyUpToTheCap() {
        var m = machine(maximum: 2, backoff: .milliseconds(100), cap: .milliseconds(300))
        _ = m.acquire(now: 0, isReusable: reusable)
        #expect(m.connectFailed(message: "refused", sqlState: nil, now: 0) == [.failWaiter(1, failure())])
        #expect(m.statistics.serverReachable == false)
        #expect(m.retryAt == 100_000_000 && m.backoff == .milliseconds(200))
        // Within the backoff callers fail fast, with no attempt.
        #expect(m.acquire(now: 50_000_000, isReusable: reusable) == [.fail(failure())])
        // After it, one probe only, however many wait.
        #expect(m.acquire(now: 100_000_000, isReusable: reusable) == [.enqueue(2, deadline: 100_000_000 + 5 * Self.second), .openConnections(1)])
        #expect(m.acquire(now: 100_000_000, isReusable: reusable) == [.enqueue(3, deadline: 100_000_000 + 5 * Self.second)])
        #expect(m.connectFailed(message: "refused", sqlState: nil, now: 100_000_000) == [.failWaiter(2, failure()), .failWaiter(3, failure())])
        #expect(m.backoff == .milliseconds(300) && m.retryAt == 300_000_000)
        _ = m.acquire(now: 300_000_000, isReusable: reusable)
        _ = m.connectFailed(message: "refused", sqlState: nil, now: 300_000_000)
        #expect(m.backoff == .milliseconds(300), "capped")
        #expect(m.retryAt == 600_000_000)
    }

    @Test func aSuccessfulConnectResetsTheBackoff() {
        var m = machine(maximum: 2)
        _ = m.acquire(now: 0, isReusable: reusable)
        _ = m.connectFailed(message: "refused", sqlState: "57P03", now: 0)
        _ = m.acquire(now: Self.second, isReusable: reusable)
        _ = m.acquire(now: Self.second, isReusable: reusable)
        #expect(m.backoff == .milliseconds(200))
        // The probe succeeds: the backoff resets and the other waiter gets its own attempt.
        #expect(m.connected(1, now: Self.second) == [.handOver(1, to: 2), .openConnections(1)])
        #expect(m.backoff == .milliseconds(100) && m.statistics.serverReachable)
    }

    @Test func waitersSurviveAFailureWhileAnotherAttemptRuns() {
        var m = machine(maximum: 2)
        _ = m.acquire(now: 0, isReusable: reusable)
        _ = m.acquire(now: 0, isReusable: reusable)
        #expect(m.connecting == 2)
        #expect(m.connectFailed(message: "refused", sqlState: nil, now: 0) == [])
        #expect(m.waiterCount == 2)
        #expect(m.connected(1, now: 0) == [.handOver(1, to: 1), .openConnections(1)])
    }

    @Test func theMinimumIsRetriedInTheBackgroundAfterTheBackoff() {
        var m = machine(minimum: 2, maximum: 3)
        #expect(m.start(now: 0) == [.openConnections(2)])
        #expect(m.connectFailed(message: "refused", sqlState: nil, now: 0) == [.scheduleRetry(after: .milliseconds(100))])
        #expect(m.connectFailed(message: "refused", sqlState: nil, now: 0) == [.scheduleRetry(after: .milliseconds(200))])
        // A timer that fires early waits for the rest; then one probe.
        #expect(m.retryTimerFired(now: 150_000_000) == [.scheduleRetry(after: .milliseconds(50))])
        #expect(m.retryTimerFired(now: 200_000_000) == [.openConnections(1)])
        #expect(m.retryTimerFired(now: 300_000_000) == [], "a probe runs already")
        // Back: the rest of the minimum opens at once.
        #expect(m.connected(1, now: 300_000_000) == [.openConnections(1)])
        #expect(m.connected(2, now: 300_000_000) == [])
        #expect(m.idle == [1, 2])
    }

    // MARK: Warm-up

    @Test func startOpensTheMinimumOnce() {
        var m = machine(minimum: 2, maximum: 4)
        #expect(m.start(now: 0) == [.openConnections(2)])
        #expect(m.statistics.connecting == 2)
        // A caller while they open waits for one of them rather than opening a third.
        #expect(m.acquire(now: 0, isReusable: reusable) == [.enqueue(1, deadline: 5 * Self.second)])
        #expect(m.connected(1, now: 0) == [.handOver(1, to: 1)])
        #expect(m.connected(2, now: 0) == [])
        #expect(m.statistics == PostgresPoolStatistics(size: 2, inUse: 1, idle: 1, connecting: 0, waiters: 0, serverReachable: true))
        var none = machine(minimum: 0)
        #expect(none.start(now: 0) == [])
    }

    // MARK: Closing

    @Test func closeFailsWaitersAndFinishesWhenTheLentConnectionReturns() {
        var m = withIdle(1, maximum: 1)
        _ = m.acquire(now: 0, isReusable: reusable)  // lends 1
        _ = m.acquire(now: 0, isReusable: reusable)  // waiter 2
        #expect(m.close() == [.cancelRetry, .failWaiter(2, .closed)])
        #expect(m.state == .closing && m.waiterCount == 0)
        #expect(m.acquire(now: 0, isReusable: reusable) == [.fail(.closed)])
        #expect(m.takeIdle(isReusable: reusable) == [.fail(.closed)])
        #expect(m.waiterTimedOut(2) == [])
        #expect(m.release(1, isReusable: true, now: 0) == [.closeConnection(1), .finishClose])
        #expect(m.state == .closed)
    }

    @Test func closeClosesIdleConnectionsAndWaitsForLentOnes() {
        var m = withIdle(2)
        _ = m.acquire(now: 0, isReusable: reusable)  // lends 2
        #expect(m.close() == [.cancelRetry, .closeConnection(1)])
        #expect(m.statistics == PostgresPoolStatistics(size: 1, inUse: 1, idle: 0, connecting: 0, waiters: 0, serverReachable: true))
        #expect(m.release(2, isReusable: false, now: 0) == [.closeConnection(2), .finishClose])
    }

    @Test func closeWithNothingOutstandingFinishesAtOnce() {
        var m = withIdle(2)
        #expect(m.close() == [.cancelRetry, .closeConnection(1), .closeConnection(2), .finishClose])
        #expect(m.state == .closed && m.statistics.size == 0)
    }

    @Test func closeAbandonsConnectionAttempts() {
        var m = machine(minimum: 1, maximum: 2)
        _ = m.start(now: 0)
        _ = m.acquire(now: 0, isReusable: reusable)
        #expect(m.connecting == 1)
        #expect(m.close() == [.cancelRetry, .failWaiter(1, .closed), .abandonConnectionAttempts])
        // The abandoned attempt reports back; so may one that won the race.
        #expect(m.connectFailed(message: nil, sqlState: nil, now: 0) == [.finishClose])
        var n = machine(maximum: 2)
        _ = n.acquire(now: 0, isReusable: reusable)
        _ = n.close()
        #expect(n.connected(1, now: 0) == [.closeConnection(1), .finishClose])
        #expect(n.statistics.serverReachable)
    }

    @Test func aSecondCloseDoesNothing() {
        var m = withIdle(1)
        _ = m.acquire(now: 0, isReusable: reusable)
        #expect(m.close() == [.cancelRetry])
        #expect(m.close() == [])
        #expect(m.release(1, isReusable: true, now: 0) == [.closeConnection(1), .finishClose])
        #expect(m.close() == [])
        #expect(m.state == .closed)
    }

    @Test func failuresBecomePostgresErrors() {
        #expect(Machine.Failure.closed.error.code == .closed)
        #expect(Machine.Failure.exhausted(after: .seconds(1)).error.code == .poolExhausted)
        let unreachable = Machine.Failure.unreachable(message: "refused", sqlState: "57P03").error
        #expect(unreachable.code == .connectionFailed && unreachable.message == "refused" && unreachable.sqlState == "57P03")
    }

    @Test func actionsKeepTheirOrder() {
        var actions = Machine.Actions()
        #expect(Array(actions).isEmpty)
        actions.append(.openConnections(1))
        actions.append(.cancelRetry)
        actions.append(.finishClose)
        #expect(Array(actions) == [.openConnections(1), .cancelRetry, .finishClose])
    }
}
