@testable import EventLoop
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// An actor whose serial executor is a loop: its methods run on the loop thread.
private actor LoopBound {
    let loop: EventLoop
    private var calls = 0
    init(loop: EventLoop) { self.loop = loop }
    nonisolated var unownedExecutor: UnownedSerialExecutor { loop.asUnownedSerialExecutor() }

    func touch() -> (onLoop: Bool, calls: Int) {
        calls += 1
        return (loop.inLoop, calls)
    }
}

@Suite struct ExecutorTests {
    @Test func taskWithLoopPreferenceStaysOnLoopAfterEveryAwait() async throws {
        try await withLoop { loop in
            let seen = try await Task(executorPreference: loop) { () async throws -> [Bool] in
                var seen = [loop.inLoop]
                for _ in 0..<5 {
                    await Task.yield()
                    seen.append(loop.inLoop)
                }
                try await loop.sleep(for: .milliseconds(1))
                seen.append(loop.inLoop)
                _ = try await loop.submit { 42 }
                seen.append(loop.inLoop)
                // A suspension on another clock resumes on the preferred executor too.
                try await Task.sleep(for: .milliseconds(1))
                seen.append(loop.inLoop)
                return seen
            }.value
            #expect(seen.count == 9)
            #expect(seen.allSatisfy { $0 })
            #expect(!loop.inLoop)
        }
    }

    @Test func actorWithLoopExecutorRunsOnLoop() async throws {
        try await withLoop { loop in
            let actor = LoopBound(loop: loop)
            for expected in 1...20 {
                let result = await actor.touch()
                #expect(result.onLoop)
                #expect(result.calls == expected)
            }
        }
    }

    @Test func executeFromManyThreadsRunsEveryJobExactlyOnce() async throws {
        try await withLoop { loop in
            let threads = 8
            let perThread = 5_000
            let runs = LockedValue([Int](repeating: 0, count: threads * perThread))
            let offLoop = LockedValue(0)
            let handles = (0..<threads).map { t in
                startThread {
                    for i in 0..<perThread {
                        let id = t * perThread + i
                        loop.execute {
                            if !loop.inLoop { offLoop.withLock { $0 += 1 } }
                            runs.withLock { $0[id] += 1 }
                        }
                    }
                }
            }
            try await onThread { for thread in handles { pthread_join(thread, nil) } }
            // The inbox is FIFO: once this job ran, every earlier one has.
            try await loop.submit {}
            let counts = runs.withLock { $0 }
            #expect(counts.allSatisfy { $0 == 1 })
            #expect(counts.reduce(0, +) == threads * perThread)
            #expect(offLoop.withLock { $0 } == 0)
        }
    }

    @Test func jobsFromOneThreadRunInOrder() async throws {
        try await withLoop { loop in
            let order = LockedValue([Int]())
            for i in 0..<1_000 {
                loop.execute { order.withLock { $0.append(i) } }
            }
            try await loop.submit {}
            #expect(order.withLock { $0 } == Array(0..<1_000))
        }
    }

    @Test func executeSoonOrNowRunsInlineOnLoopAndQueuesElsewhere() async throws {
        try await withLoop { loop in
            let order = try await loop.submit { () -> [String] in
                let log = LockedValue([String]())
                log.withLock { $0.append("before") }
                loop.executeSoonOrNow { log.withLock { $0.append("inline") } }
                loop.execute { log.withLock { $0.append("queued") } }
                log.withLock { $0.append("after") }
                return log.withLock { $0 }
            }
            #expect(order == ["before", "inline", "after"])

            let ran = LockedValue(false)
            loop.executeSoonOrNow { ran.withLock { $0 = loop.inLoop } }
            #expect(await eventually { ran.withLock { $0 } })
        }
    }

    @Test func jobsQueuedOnTheLoopThreadRunWithoutAnotherWakeUp() async throws {
        try await withLoop { loop in
            // Chains of jobs each queued by the previous one on the loop thread, while nothing
            // else wakes the loop: each must still run, in order, and the loop then sleeps again.
            let order = LockedValue([Int]())
            let done = try await withLoopCallback(on: loop) { (completion: LoopCompletion<Bool>) in
                @Sendable func step(_ i: Int) {
                    order.withLock { $0.append(i) }
                    if i == 100 { return completion.succeed(loop.inLoop) }
                    loop.execute { step(i + 1) }
                }
                loop.execute { step(0) }
            }
            #expect(done)
            #expect(order.withLock { $0 } == Array(0...100))
            // And a task resumed from a loop callback (a timer) continues on the loop.
            let resumed = try await Task(executorPreference: loop) { () async throws -> Bool in
                try await loop.sleep(for: .milliseconds(1))
                return loop.inLoop
            }.value
            #expect(resumed)
        }
    }

    @Test func submitReturnsValuesAndRethrowsErrors() async throws {
        struct Boom: Error {}
        try await withLoop { loop in
            let onLoop = try await loop.submit { loop.inLoop }
            #expect(onLoop)
            await #expect(throws: Boom.self) {
                try await loop.submit { () throws -> Int in throw Boom() }
            }
        }
    }

    @Test func checkIsolatedAcceptsTheLoopThread() async throws {
        try await withLoop { loop in
            let ok = try await loop.submit { () -> Bool in
                loop.checkIsolated()  // would trap off the loop
                loop.assertInLoop()
                return true
            }
            #expect(ok)
        }
    }

    @Test func monotonicClockAdvances() async throws {
        let first = EventLoop.monotonicNanoseconds
        try await Task.sleep(for: .milliseconds(2))
        #expect(EventLoop.monotonicNanoseconds > first)
    }
}
