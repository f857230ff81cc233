import EventLoop
@testable import Gateway
import Testing
import TestSupport

/// The deadlines and drain signal of waiting asks, without tasks of their own. The generous
/// timeouts are for a busy test process, where the shared executor may run the clock late; the
/// first instant lies a second ahead so that nothing is due before the test has looked.
struct AlarmClockTests {
    @Test func alarmsFireInTheOrderOfTheirInstantsWhateverTheOrderTheyWereSet() async {
        let clock = AlarmClock()
        let fired = LockedValue<[String]>([])
        let now = ContinuousClock.now
        _ = clock.schedule(at: now + .milliseconds(1_200)) { fired.withLock { $0.append("c") } }
        _ = clock.schedule(at: now + .milliseconds(1_000)) { fired.withLock { $0.append("a") } }  // earlier than the sleeper's
        _ = clock.schedule(at: now + .milliseconds(1_100)) { fired.withLock { $0.append("b") } }
        #expect(clock.pendingCount == 3)
        // Counted before: an instant that has passed fires at once, on another thread.
        _ = clock.schedule(at: now - .seconds(1)) { fired.withLock { $0.append("past") } }
        #expect(await eventually(timeout: .seconds(20)) { fired.withLock { $0.count } == 4 })
        #expect(fired.withLock { $0 } == ["past", "a", "b", "c"])
        #expect(clock.pendingCount == 0)
        // Not early: the last one fired no sooner than its instant.
        #expect(ContinuousClock.now >= now + .milliseconds(1_200))
    }

    @Test func aCancelledAlarmNeverFires() async throws {
        let clock = AlarmClock()
        let fired = LockedValue<[String]>([])
        let now = ContinuousClock.now
        let early = clock.schedule(at: now + .milliseconds(1_000)) { fired.withLock { $0.append("early") } }
        _ = clock.schedule(at: now + .milliseconds(1_100)) { fired.withLock { $0.append("late") } }
        #expect(clock.cancel(early))
        #expect(!clock.cancel(early))
        #expect(await eventually(timeout: .seconds(20)) { fired.withLock { $0 } == ["late"] })
        try await Task.sleep(for: .milliseconds(30))
        #expect(fired.withLock { $0 } == ["late"])
    }

    @Test func manyCancelledAlarmsDoNotKeepTheLiveOnesFromFiring() async {
        let clock = AlarmClock()
        let fired = LockedValue(0)
        let now = ContinuousClock.now
        // Cancelled entries outnumbering live ones make the heap be rebuilt; the rest still fire.
        let cancelled = (0..<500).map { index in clock.schedule(at: now + .seconds(60) + .milliseconds(index)) {} }
        let live = (0..<20).map { index in
            clock.schedule(at: now + .milliseconds(1_000 + index)) { fired.withLock { $0 += 1 } }
        }
        for alarm in cancelled { clock.cancel(alarm) }
        #expect(clock.pendingCount == live.count)
        #expect(await eventually(timeout: .seconds(20)) { fired.withLock { $0 } == live.count })
        #expect(clock.pendingCount == 0)
    }
}

struct WaitInterruptionTests {
    @Test func theDeadlineInterruptsOnceAndRunsTheAction() async {
        let alarms = AlarmClock()
        let actions = LockedValue(0)
        // A second ahead: not passed yet when the test checks, even on a loaded machine.
        let interruption = WaitInterruption(
            deadline: .now + .seconds(1), alarms: alarms, drain: DrainSignal(), onInterrupt: { actions.withLock { $0 += 1 } })
        #expect(interruption.reason == nil)
        await interruption.pause()
        #expect(interruption.reason == .deadline)
        #expect(actions.withLock { $0 } == 1)
        interruption.end()
        #expect(alarms.pendingCount == 0)
    }

    @Test func drainingInterruptsAWaitAndAWaitThatBeginsWhileDraining() async {
        let alarms = AlarmClock()
        let drain = DrainSignal()
        let interruption = WaitInterruption(deadline: .now + .seconds(60), alarms: alarms, drain: drain)
        let paused = Task { await interruption.pause() }
        drain.begin()
        await paused.value
        #expect(interruption.reason == .draining)
        interruption.end()
        #expect(alarms.pendingCount == 0)

        let late = WaitInterruption(deadline: .now + .seconds(60), alarms: alarms, drain: drain)
        #expect(late.reason == .draining)
        await late.pause()  // returns at once
        late.end()
        #expect(alarms.pendingCount == 0)
    }

    @Test func cancellingTheTaskEndsThePauseWithoutAReason() async {
        let alarms = AlarmClock()
        let drain = DrainSignal()
        let interruption = WaitInterruption(deadline: .now + .seconds(60), alarms: alarms, drain: drain)
        let paused = Task { await interruption.pause() }
        paused.cancel()
        await paused.value
        #expect(interruption.reason == nil)
        interruption.end()
        #expect(alarms.pendingCount == 0)
        // The drain action was removed: beginning to drain now reaches no one.
        drain.begin()
        #expect(interruption.reason == nil)
    }

    @Test func endedBeforeTheDeadlineItNeverInterrupts() async throws {
        let alarms = AlarmClock()
        let actions = LockedValue(0)
        let interruption = WaitInterruption(
            deadline: .now + .seconds(1), alarms: alarms, drain: DrainSignal(), onInterrupt: { actions.withLock { $0 += 1 } })
        interruption.end()
        try await Task.sleep(for: .milliseconds(1_100))
        #expect(interruption.reason == nil)
        #expect(actions.withLock { $0 } == 0)
    }
}
