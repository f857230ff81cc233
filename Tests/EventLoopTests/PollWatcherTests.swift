@testable import EventLoop
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

@Suite struct PollWatcherTests {
    @Test func socketBecomesReadableAfterAWrite() async throws {
        let pair = SocketPair()
        defer { pair.close() }
        try await withLoop { loop in
            let watcher = try await loop.submit { try PollWatcher(loop: loop, fileDescriptor: pair.left) }
            #expect(watcher.fileDescriptor == pair.left)
            // A fresh stream socket is writable at once.
            let writable = try await watcher.wait(for: .writable)
            #expect(writable.contains(.writable))

            let waiter = Task { try await watcher.wait(for: .readable) }
            try await Task.sleep(for: .milliseconds(20))
            let byte: [UInt8] = [0x2A]
            #expect(write(pair.right, byte, 1) == 1)
            let ready = try await waiter.value
            #expect(ready.contains(.readable))

            var received: UInt8 = 0
            #expect(read(pair.left, &received, 1) == 1)
            #expect(received == 0x2A)
            try await loop.submit { watcher.close() }
            try await expectNoOpenHandles(loop)
        }
    }

    @Test func levelTriggeredCallbacksRepeatUntilStopped() async throws {
        let pair = SocketPair()
        defer { pair.close() }
        #expect(write(pair.right, [UInt8](repeating: 7, count: 3), 3) == 3)
        try await withLoop { loop in
            let count = try await withLoopCallback(on: loop) { (completion: LoopCompletion<Int>) in
                let watcher: PollWatcher
                do {
                    watcher = try PollWatcher(loop: loop, fileDescriptor: pair.left)
                } catch {
                    completion.fail(error)
                    return
                }
                var events = 0
                watcher.start(.readable) { result in
                    guard case .success(let ready) = result, ready.contains(.readable) else {
                        watcher.close()
                        completion.fail(EventLoopError(code: .uv, operation: "poll"))
                        return
                    }
                    var byte: UInt8 = 0
                    _ = read(pair.left, &byte, 1)  // one byte per callback: still readable
                    events += 1
                    if events == 3 {
                        watcher.stop()
                        watcher.close()
                        completion.succeed(events)
                    }
                }
            }
            #expect(count == 3)
            try await expectNoOpenHandles(loop)
        }
    }

    @Test func cancellingAWaitThrowsAndStopsWatching() async throws {
        let pair = SocketPair()
        defer { pair.close() }
        try await withLoop { loop in
            let watcher = try await loop.submit { try PollWatcher(loop: loop, fileDescriptor: pair.left) }
            let waiter = Task { try await watcher.wait(for: .readable) }
            try await Task.sleep(for: .milliseconds(20))
            waiter.cancel()
            await #expect(throws: CancellationError.self) { try await waiter.value }
            // The watcher is still usable after a cancelled wait.
            #expect(write(pair.right, [UInt8(1)], 1) == 1)
            let ready = try await watcher.wait(for: .readable)
            #expect(ready.contains(.readable))
            try await loop.submit { watcher.close() }
            try await expectNoOpenHandles(loop)
        }
    }

    @Test func closingTheWatcherEndsAPendingWait() async throws {
        let pair = SocketPair()
        defer { pair.close() }
        try await withLoop { loop in
            let watcher = try await loop.submit { try PollWatcher(loop: loop, fileDescriptor: pair.left) }
            let waiter = Task { try await watcher.wait(for: .readable) }
            try await Task.sleep(for: .milliseconds(20))
            try await loop.submit { watcher.close() }
            let result = await waiter.result
            #expect(throws: EventLoopError.self) { try result.get() }
            // Waiting on a closed watcher fails at once.
            await #expect(throws: EventLoopError.self) { try await watcher.wait(for: .readable) }
            try await expectNoOpenHandles(loop)
        }
    }

    @Test func shutdownEndsAWaitOnAForgottenWatcher() async throws {
        let pair = SocketPair()
        defer { pair.close() }
        let outcome = LockedValue<String?>(nil)
        try await withLoop(expectedForcedCloses: 1) { loop in
            let watcher = try await loop.submit { try PollWatcher(loop: loop, fileDescriptor: pair.left) }
            Task {
                do {
                    _ = try await watcher.wait(for: .readable)
                    outcome.withLock { $0 = "ready" }
                } catch {
                    outcome.withLock { $0 = "failed" }
                }
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(await eventually { outcome.withLock { $0 } != nil })
        #expect(outcome.withLock { $0 } == "failed")
    }
}
