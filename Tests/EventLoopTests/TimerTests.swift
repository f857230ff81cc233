@testable import EventLoop
import Testing
import TestSupport

@Suite struct TimerTests {
    @Test func sleepWaitsAtLeastTheDuration() async throws {
        try await withLoop { loop in
            for millis in [0, 1, 20, 50] {
                let start = EventLoop.monotonicNanoseconds
                try await loop.sleep(for: .milliseconds(millis))
                let elapsed = EventLoop.monotonicNanoseconds - start
                #expect(elapsed >= UInt64(millis) * 1_000_000, "slept \(elapsed) ns for \(millis) ms")
            }
            // From a task on the loop as well.
            let elapsed = try await Task(executorPreference: loop) { () async throws -> UInt64 in
                let start = EventLoop.monotonicNanoseconds
                try await loop.sleep(for: .milliseconds(30))
                return EventLoop.monotonicNanoseconds - start
            }.value
            #expect(elapsed >= 30_000_000)
            try await expectNoOpenHandles(loop)
        }
    }

    @Test func sleepStartedLateInABusyTurnStillWaitsTheFullDuration() async throws {
        try await withLoop { loop in
            let elapsed = try await Task(executorPreference: loop) { () async throws -> UInt64 in
                // 30 ms of work inside one loop turn: the loop's cached clock falls behind.
                let busyUntil = EventLoop.monotonicNanoseconds + 30_000_000
                while EventLoop.monotonicNanoseconds < busyUntil {}
                let start = EventLoop.monotonicNanoseconds
                try await loop.sleep(for: .milliseconds(20))
                return EventLoop.monotonicNanoseconds - start
            }.value
            #expect(elapsed >= 20_000_000, "slept \(elapsed) ns for 20 ms")
        }
    }

    @Test func cancellingASleepingTaskThrowsPromptlyAndClosesItsTimer() async throws {
        try await withLoop { loop in
            let started = LockedValue(false)
            let task = Task(executorPreference: loop) { () async throws -> UInt64 in
                started.withLock { $0 = true }
                do {
                    try await loop.sleep(for: .seconds(30))
                } catch is CancellationError {
                    // Measured here, on the loop thread: the test's own task may wait for a
                    // cooperative thread while other tests keep both cores busy.
                    return EventLoop.monotonicNanoseconds
                }
                return 0
            }
            #expect(await eventually { started.withLock { $0 } })
            #expect(await eventually { (try? await openHandles(loop)) == 1 })
            let cancelledAt = EventLoop.monotonicNanoseconds
            task.cancel()
            let caughtAt = try await task.value
            #expect(caughtAt > 0, "the sleep was not cancelled")
            let took = caughtAt &- cancelledAt
            #expect(took < 5_000_000_000, "cancellation took \(took) ns")
            try await expectNoOpenHandles(loop)
        }
    }

    @Test func sleepInAnAlreadyCancelledTaskThrowsAtOnce() async throws {
        try await withLoop { loop in
            let task = Task(executorPreference: loop) { () async throws -> Void in
                withUnsafeCurrentTask { $0?.cancel() }
                try await loop.sleep(for: .seconds(30))
            }
            await #expect(throws: CancellationError.self) { try await task.value }
            try await expectNoOpenHandles(loop)
        }
    }

    @Test func manyConcurrentSleepsAllFinish() async throws {
        try await withLoop { loop in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<200 {
                    group.addTask { try await loop.sleep(for: .milliseconds(i % 20)) }
                }
                try await group.waitForAll()
            }
            try await expectNoOpenHandles(loop)
        }
    }

    @Test func oneShotTimerFiresOnce() async throws {
        try await withLoop { loop in
            let fired = LockedValue(0)
            let timer = try await loop.submit { () -> LoopTimer in
                let timer = LoopTimer(loop: loop)
                timer.start(after: .milliseconds(5)) { fired.withLock { $0 += 1 } }
                return timer
            }
            #expect(await eventually { fired.withLock { $0 } == 1 })
            try await Task.sleep(for: .milliseconds(30))
            #expect(fired.withLock { $0 } == 1)
            try await loop.submit { timer.close() }
            try await expectNoOpenHandles(loop)
        }
    }

    @Test func repeatingTimerFiresUntilClosed() async throws {
        try await withLoop { loop in
            let fired = try await withLoopCallback(on: loop) { (completion: LoopCompletion<Int>) in
                let timer = LoopTimer(loop: loop)
                var count = 0
                timer.start(after: .milliseconds(1), repeating: .milliseconds(2)) {
                    count += 1
                    if count == 5 {
                        timer.close()
                        completion.succeed(count)
                    }
                }
            }
            #expect(fired == 5)
            try await expectNoOpenHandles(loop)
        }
    }

    @Test func stoppedTimerDoesNotFireAndRestartReplacesCallback() async throws {
        try await withLoop { loop in
            let log = LockedValue([String]())
            let timer = try await loop.submit { () -> LoopTimer in
                let timer = LoopTimer(loop: loop)
                timer.start(after: .milliseconds(5)) { log.withLock { $0.append("stopped") } }
                timer.stop()
                timer.start(after: .milliseconds(5)) { log.withLock { $0.append("first") } }
                timer.start(after: .milliseconds(10)) { log.withLock { $0.append("second") } }
                return timer
            }
            #expect(await eventually { !log.withLock { $0 }.isEmpty })
            try await Task.sleep(for: .milliseconds(30))
            #expect(log.withLock { $0 } == ["second"])
            try await loop.submit {
                timer.close()
                timer.close()  // idempotent
                timer.start(after: .zero) { log.withLock { $0.append("after close") } }
                timer.stop()
            }
            try await Task.sleep(for: .milliseconds(10))
            #expect(log.withLock { $0 } == ["second"])
            try await expectNoOpenHandles(loop)
        }
    }

    @Test func loopClockAdvances() async throws {
        try await withLoop { loop in
            let before = try await loop.submit { loop.now }
            try await loop.sleep(for: .milliseconds(20))
            let after = try await loop.submit { loop.now }
            #expect(after >= before + 20)
        }
    }

    @Test(arguments: [
        (Duration.zero, UInt64(0)),
        (.nanoseconds(1), 1),
        (.microseconds(999), 1),
        (.milliseconds(1), 1),
        (.microseconds(1_500), 2),
        (.seconds(2), 2_000),
        (.milliseconds(-5), 0),
        (.nanoseconds(-1), 0),
    ])
    func durationsRoundUpToWholeMilliseconds(duration: Duration, millis: UInt64) {
        #expect(duration.roundedUpMilliseconds == millis)
    }
}
