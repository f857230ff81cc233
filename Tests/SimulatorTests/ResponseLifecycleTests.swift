import Simulator
import Testing

@Suite struct ResponseLifecycleTests {
    let timing = RunTiming(queuedMillis: 50, workMillis: 200)

    @Test func backgroundCompletesOnTheClock() {
        var lifecycle = ResponseLifecycle(createdAt: 0, plan: RunPlan(), timing: timing)
        #expect(lifecycle.status == .queued)
        #expect(lifecycle.nextDeadline == 50)
        #expect(lifecycle.timeReached(49).isEmpty)
        #expect(lifecycle.timeReached(50) == [.startWorking(at: 50), .beginOutput(at: 50)])
        #expect(lifecycle.status == .inProgress)
        #expect(
            lifecycle.timeReached(1000) == [
                .emitChunk(index: 0, count: 3, at: 100), .emitChunk(index: 1, count: 3, at: 150),
                .emitChunk(index: 2, count: 3, at: 200), .complete(at: 250),
            ])
        #expect(lifecycle.status == .completed)
        #expect(lifecycle.nextDeadline == nil)
    }

    @Test(arguments: [
        (RunPlan.Ending.fail, ResponseLifecycle.Status.failed, ResponseLifecycle.Action.fail(expired: false, at: 250)),
        (.expire, .failed, .fail(expired: true, at: 250)),
        (.cancel, .cancelled, .cancel(at: 250)),
        (.incomplete, .incomplete, .truncate(at: 250)),
    ])
    func markersChooseTheEnding(ending: RunPlan.Ending, status: ResponseLifecycle.Status, last: ResponseLifecycle.Action) {
        var lifecycle = ResponseLifecycle(createdAt: 0, plan: RunPlan(ending: ending), timing: timing)
        let actions = lifecycle.timeReached(10_000)
        #expect(actions.last == last)
        #expect(lifecycle.status == status)
        let wroteOutput = actions.contains(.beginOutput(at: 50))
        #expect(wroteOutput == (ending == .incomplete))
    }

    @Test func slowMarkerStretchesTheWork() {
        var lifecycle = ResponseLifecycle(createdAt: 0, plan: RunPlan(workMillis: 1000), timing: timing)
        #expect(lifecycle.timeReached(1049).last == .emitChunk(index: 2, count: 3, at: 800))
        #expect(lifecycle.timeReached(1050) == [.complete(at: 1050)])
    }

    @Test func cancelEndsAtOnceAndOnlyOnce() throws {
        var lifecycle = ResponseLifecycle(createdAt: 0, plan: RunPlan(), timing: timing)
        _ = lifecycle.timeReached(60)
        #expect(try lifecycle.cancelRequested(at: 70) == [.cancel(at: 70)])
        #expect(lifecycle.status == .cancelled)
        #expect(lifecycle.timeReached(10_000).isEmpty)
        #expect(throws: ResponseLifecycle.Refusal(status: .cancelled)) { try lifecycle.cancelRequested(at: 80) }
    }

    @Test func queuedResponseCanBeCancelled() throws {
        var lifecycle = ResponseLifecycle(createdAt: 0, plan: RunPlan(), timing: timing)
        #expect(try lifecycle.cancelRequested(at: 10) == [.cancel(at: 10)])
        #expect(lifecycle.nextDeadline == nil)
    }

    @Test func foregroundStartsAtOnceWithZeroQueue() {
        var lifecycle = ResponseLifecycle(createdAt: 5, plan: RunPlan(), timing: RunTiming(queuedMillis: 0, workMillis: 40))
        #expect(lifecycle.timeReached(5) == [.startWorking(at: 5), .beginOutput(at: 5)])
    }
}
