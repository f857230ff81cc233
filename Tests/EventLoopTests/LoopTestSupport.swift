@testable import EventLoop
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Starts a loop, runs `body`, then shuts the loop down and checks that it closed cleanly:
/// `uv_loop_close` returned 0 and no handle had to be closed by force (libuv's
/// `MAKE_VALGRIND_HAPPY`).
func withLoop(
    name: String = "el-test", expectedForcedCloses: Int = 0,
    _ body: (EventLoop) async throws -> Void
) async throws {
    let loop = try EventLoop.start(name: name)
    do {
        try await body(loop)
    } catch {
        EventLoop.shutdownAndJoin([loop])
        throw error
    }
    EventLoop.shutdownAndJoin([loop])
    #expect(loop.closeStatus == 0)
    #expect(loop.forcedCloses == expectedForcedCloses)
}

/// Handles of this module still open on `loop`, read on the loop thread.
func openHandles(_ loop: EventLoop) async throws -> Int {
    try await loop.submit { loop.openHandleCount }
}

/// Waits until every handle closed so far has run its close callback.
func expectNoOpenHandles(_ loop: EventLoop, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    let closed = try await eventually { try await openHandles(loop) == 0 }
    let count = try await openHandles(loop)
    #expect(closed, "handles still open: \(count)", sourceLocation: sourceLocation)
}

/// A connected pair of Unix stream sockets, closed by `close()`.
struct SocketPair {
    let left: Int32
    let right: Int32

    init() {
        var fds: [Int32] = [-1, -1]
        let status = socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds)
        precondition(status == 0, "socketpair failed: \(errno)")
        left = fds[0]
        right = fds[1]
    }

    func close() {
        _ = Glibc.close(left)
        _ = Glibc.close(right)
    }
}
