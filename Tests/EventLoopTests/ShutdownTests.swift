@testable import EventLoop
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

@Suite struct ShutdownTests {
    @Test func shutdownAndJoinEndWithCloseStatusZero() throws {
        let loop = try EventLoop.start(name: "plain")
        loop.shutdown()
        loop.join()
        #expect(loop.closeStatus == 0)
        #expect(loop.forcedCloses == 0)
        #expect(loop.isShuttingDown)
        loop.join()  // a second join is harmless
    }

    @Test func severalLoopsStopTogether() throws {
        let loops = try (0..<4).map { try EventLoop.start(name: "many-\($0)") }
        EventLoop.shutdownAndJoin(loops)
        for loop in loops {
            #expect(loop.closeStatus == 0)
            #expect(loop.forcedCloses == 0)
        }
    }

    @Test func shutdownTwiceIsHarmless() async throws {
        try await withLoop { loop in
            loop.shutdown()
            loop.shutdown()
        }
    }

    @Test func handlesLeftOpenAreForceClosedAndCounted() async throws {
        try await withLoop(expectedForcedCloses: 3) { loop in
            try await loop.submit {
                _ = LoopTimer(loop: loop)  // never started
                let repeating = LoopTimer(loop: loop)
                repeating.start(after: .milliseconds(1), repeating: .milliseconds(1)) {}
                let listener = try TCPListener(
                    loop: loop, address: SocketAddress(host: "127.0.0.1", port: 0), reusePort: false)
                try listener.listen { $0.close() }
            }
            #expect(try await openHandles(loop) == 3)
        }
    }

    @Test func handlesClosedByAShutdownHookAreNotForced() async throws {
        try await withLoop { loop in
            try await loop.submit {
                let timer = LoopTimer(loop: loop)
                timer.start(after: .seconds(60)) {}
                loop.addShutdownHook { timer.close() }
            }
        }
    }

    @Test func shutdownHooksRunInOrderOnTheLoop() async throws {
        let log = LockedValue([String]())
        try await withLoop { loop in
            try await loop.submit {
                loop.addShutdownHook { log.withLock { $0.append("first:\(loop.inLoop)") } }
                let removed = loop.addShutdownHook { log.withLock { $0.append("removed") } }
                loop.addShutdownHook { log.withLock { $0.append("third:\(loop.isShuttingDown)") } }
                loop.removeShutdownHook(removed)
            }
        }
        #expect(log.withLock { $0 } == ["first:true", "third:true"])
    }

    @Test func jobsQueuedBeforeShutdownStillRun() async throws {
        let ran = LockedValue(0)
        let loop = try EventLoop.start(name: "drain")
        for _ in 0..<1_000 {
            loop.execute { ran.withLock { $0 += 1 } }
        }
        loop.shutdown()
        loop.join()
        #expect(ran.withLock { $0 } == 1_000)
        #expect(loop.closeStatus == 0)
    }

    @Test func jobsQueuedDuringShutdownStillRun() async throws {
        let ran = LockedValue([String]())
        let loop = try EventLoop.start(name: "late")
        loop.execute {
            loop.addShutdownHook {
                // Work handed over while the loop is stopping still runs on the loop.
                loop.execute { ran.withLock { $0.append("from hook, on loop: \(loop.inLoop)") } }
            }
        }
        loop.shutdown()
        loop.join()
        #expect(ran.withLock { $0 } == ["from hook, on loop: true"])
        #expect(loop.closeStatus == 0)
    }

    @Test func aSleepPendingAtShutdownEndsWithCancellation() async throws {
        let outcome = LockedValue<String?>(nil)
        let loop = try EventLoop.start(name: "sleeper")
        let started = LockedValue(false)
        let task = Task(executorPreference: loop) {
            started.withLock { $0 = true }
            do {
                try await loop.sleep(for: .seconds(60))
                outcome.withLock { $0 = "slept" }
            } catch is CancellationError {
                outcome.withLock { $0 = "cancelled" }
            } catch {
                outcome.withLock { $0 = "\(error)" }
            }
        }
        #expect(await eventually { started.withLock { $0 } })
        #expect(await eventually { (try? await openHandles(loop)) == 1 })
        let stoppedAt = EventLoop.monotonicNanoseconds
        try await onThread { EventLoop.shutdownAndJoin([loop]) }
        // Far below the 60 s sleep even on a loaded machine under a sanitizer.
        #expect(EventLoop.monotonicNanoseconds - stoppedAt < 30_000_000_000, "shutdown waited for the sleep")
        #expect(await eventually { outcome.withLock { $0 } != nil })
        #expect(outcome.withLock { $0 } == "cancelled")
        #expect(loop.closeStatus == 0)
        task.cancel()
    }
}

@Suite struct SignalWatcherTests {
    @Test func deliversASignalOnTheLoop() async throws {
        try await withLoop { loop in
            let received = try await withLoopCallback(on: loop) { (completion: LoopCompletion<Int32>) in
                do {
                    let watcher = try SignalWatcher(loop: loop)
                    try watcher.start(signal: SIGUSR2) { signal in
                        watcher.close()
                        completion.succeed(signal)
                    }
                    _ = kill(getpid(), SIGUSR2)
                } catch {
                    completion.fail(error)
                }
            }
            #expect(received == SIGUSR2)
            try await expectNoOpenHandles(loop)
        }
    }

    @Test func anUnreferencedWatcherDoesNotKeepTheLoopAlive() async throws {
        try await withLoop(expectedForcedCloses: 1) { loop in
            try await loop.submit {
                let watcher = try SignalWatcher(loop: loop)
                try watcher.start(signal: SIGUSR1) { _ in }
                watcher.unreference()
            }
        }
    }
}

@Suite struct EventLoopErrorTests {
    @Test func describesLibuvFailures() {
        let error = EventLoopError.uv(-98, "bind 127.0.0.1:1")
        #expect(error.code == .uv)
        #expect(error.isAddressInUse)
        #expect(error.uvName == "EADDRINUSE")
        #expect(error.description.hasPrefix("bind 127.0.0.1:1 failed: EADDRINUSE"))
        let closed = EventLoopError(code: .loopClosed, operation: "write")
        #expect(closed.uvName == "")
        #expect(!closed.isAddressInUse)
        #expect(closed.description == "write failed: loop_closed")
    }

    @Test func uvCheckThrowsOnlyOnNegativeStatus() throws {
        #expect(try uvCheck(0, "ok") == 0)
        #expect(try uvCheck(7, "positive") == 7)
        #expect(throws: EventLoopError.self) { try uvCheck(-22, "einval") }
    }
}
