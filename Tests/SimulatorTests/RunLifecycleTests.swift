import Simulator
import Testing

/// The run state machine alone: time is a parameter, nothing sleeps.
@Suite struct RunLifecycleTests {
    let timing = RunTiming(queuedMillis: 50, workMillis: 200, cancelMillis: 30, expiryMillis: 600_000)
    let t0: Int64 = 1_700_000_000_000

    @Test func completesThroughQueuedAndInProgressWithChunks() {
        var run = RunLifecycle(createdAt: t0, plan: RunPlan(), timing: timing)
        #expect(run.status == .queued)
        #expect(run.nextDeadline == t0 + 50)
        #expect(run.timeReached(t0 + 49).isEmpty)
        #expect(run.timeReached(t0 + 50) == [.startWorking(at: t0 + 50), .beginReply(at: t0 + 50)])
        #expect(run.status == .inProgress)
        #expect(run.timeReached(t0 + 100) == [.emitReplyChunk(index: 0, count: 3, at: t0 + 100)])
        #expect(
            run.timeReached(t0 + 250) == [
                .emitReplyChunk(index: 1, count: 3, at: t0 + 150), .emitReplyChunk(index: 2, count: 3, at: t0 + 200),
                .completeReply(at: t0 + 250),
            ])
        #expect(run.status == .completed)
        #expect(run.status.isTerminal)
        #expect(run.nextDeadline == nil)
    }

    @Test func lateObservationStampsEachTransitionWhenItWasDue() {
        var run = RunLifecycle(createdAt: t0, plan: RunPlan(), timing: timing)
        let actions = run.timeReached(t0 + 10_000)
        #expect(actions.first == .startWorking(at: t0 + 50))
        #expect(actions.last == .completeReply(at: t0 + 250))
        #expect(actions.count == 6)
    }

    @Test func toolRoundsPauseInRequiresActionAndResumeThroughQueued() throws {
        var run = RunLifecycle(createdAt: t0, plan: RunPlan(toolRounds: 2), timing: timing)
        #expect(
            run.timeReached(t0 + 250) == [
                .startWorking(at: t0 + 50), .beginToolCalls(round: 0, at: t0 + 50), .requestToolOutputs(round: 0, at: t0 + 250),
            ])
        #expect(run.status == .requiresAction)
        #expect(run.nextDeadline == t0 + 600_000)
        #expect(try run.toolOutputsSubmitted(at: t0 + 1000) == [.acceptToolOutputs(round: 0, at: t0 + 1000)])
        #expect(run.status == .queued)
        #expect(
            run.timeReached(t0 + 1250) == [
                .startWorking(at: t0 + 1050), .beginToolCalls(round: 1, at: t0 + 1050), .requestToolOutputs(round: 1, at: t0 + 1250),
            ])
        #expect(try run.toolOutputsSubmitted(at: t0 + 2000) == [.acceptToolOutputs(round: 1, at: t0 + 2000)])
        let rest = run.timeReached(t0 + 5000)
        #expect(rest.first == .startWorking(at: t0 + 2050))
        #expect(rest.contains(.beginReply(at: t0 + 2050)))
        #expect(rest.last == .completeReply(at: t0 + 2250))
        #expect(run.roundsDone == 2)
    }

    @Test func submittingOutputsOutsideRequiresActionIsRefused() {
        var run = RunLifecycle(createdAt: t0, plan: RunPlan(toolRounds: 1), timing: timing)
        #expect(throws: RunLifecycle.Refusal(status: .queued)) { try run.toolOutputsSubmitted(at: t0) }
        _ = run.timeReached(t0 + 100)
        #expect(throws: RunLifecycle.Refusal(status: .inProgress)) { try run.toolOutputsSubmitted(at: t0 + 100) }
    }

    @Test(arguments: [Int64(10), 100, 400])
    func cancelGoesThroughCancellingToCancelled(at offset: Int64) throws {
        var run = RunLifecycle(createdAt: t0, plan: RunPlan(toolRounds: 1), timing: timing)
        _ = run.timeReached(t0 + offset)
        #expect(try run.cancelRequested(at: t0 + offset) == [.beginCancelling(at: t0 + offset)])
        #expect(run.status == .cancelling)
        #expect(throws: RunLifecycle.Refusal(status: .cancelling)) { try run.cancelRequested(at: t0 + offset + 1) }
        #expect(run.timeReached(t0 + offset + 29).isEmpty)
        #expect(run.timeReached(t0 + offset + 30) == [.finishCancelling(at: t0 + offset + 30)])
        #expect(run.status == .cancelled)
        #expect(throws: RunLifecycle.Refusal(status: .cancelled)) { try run.cancelRequested(at: t0 + offset + 40) }
    }

    @Test func requiresActionExpiresAtTheDeadline() {
        var run = RunLifecycle(createdAt: t0, plan: RunPlan(toolRounds: 1), timing: timing)
        _ = run.timeReached(t0 + 250)
        #expect(run.timeReached(t0 + 599_999).isEmpty)
        #expect(run.timeReached(t0 + 600_000) == [.expire(at: t0 + 600_000)])
        #expect(run.status == .expired)
    }

    @Test func aSlowRunExpiresBeforeFinishing() {
        var run = RunLifecycle(
            createdAt: t0, plan: RunPlan(workMillis: 2000), timing: RunTiming(queuedMillis: 50, workMillis: 200, expiryMillis: 1000))
        let actions = run.timeReached(t0 + 5000)
        #expect(actions.last == .expire(at: t0 + 1000))
        #expect(run.status == .expired)
    }

    @Test(arguments: [
        (RunPlan.Ending.fail, RunLifecycle.Status.failed, RunLifecycle.Action.fail(at: 1_700_000_000_250)),
        (.expire, .expired, .expire(at: 1_700_000_000_250)),
        (.incomplete, .incomplete, .truncateReply(at: 1_700_000_000_250)),
    ])
    func onDemandEndings(ending: RunPlan.Ending, status: RunLifecycle.Status, last: RunLifecycle.Action) {
        var run = RunLifecycle(createdAt: t0, plan: RunPlan(ending: ending), timing: timing)
        let actions = run.timeReached(t0 + 10_000)
        #expect(actions.last == last)
        #expect(run.status == status)
        #expect(actions.contains(.beginReply(at: t0 + 50)) == (ending == .incomplete))
    }

    @Test func cancelMarkerCancelsByItself() {
        var run = RunLifecycle(createdAt: t0, plan: RunPlan(ending: .cancel), timing: timing)
        #expect(run.timeReached(t0 + 250) == [.startWorking(at: t0 + 50), .beginCancelling(at: t0 + 250)])
        #expect(run.status == .cancelling)
        #expect(run.timeReached(t0 + 280) == [.finishCancelling(at: t0 + 280)])
        #expect(run.status == .cancelled)
    }

    @Test func slowMarkerStretchesWork() {
        var run = RunLifecycle(createdAt: t0, plan: RunPlan(workMillis: 1500), timing: timing)
        #expect(run.timeReached(t0 + 1549).last != .completeReply(at: t0 + 1550))
        #expect(run.timeReached(t0 + 1550).last == .completeReply(at: t0 + 1550))
    }

    @Test func zeroTimingsFinishAtOnce() {
        var run = RunLifecycle(createdAt: t0, plan: RunPlan(), timing: RunTiming(queuedMillis: 0, workMillis: 0))
        let actions = run.timeReached(t0)
        #expect(actions.first == .startWorking(at: t0))
        #expect(actions.last == .completeReply(at: t0))
        #expect(run.status == .completed)
    }
}
