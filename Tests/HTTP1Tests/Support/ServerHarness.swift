import EventLoop
@testable import HTTP1
import Testing
import TestSupport

/// A running test server and what it recorded.
struct TestServer: Sendable {
    let server: HTTPServer
    let responder: TestResponder
    let loops: [EventLoop]
    let accessLog: LockedValue<[HTTPAccessRecord]>
    var port: Int { server.port }

    var records: [HTTPAccessRecord] { accessLog.withLock { $0 } }

    /// Opens a client connection to the server.
    func client(timeout: Duration = .seconds(5), receiveBufferSize: Int32? = nil) throws -> BlockingClient {
        try BlockingClient(port: port, timeout: timeout, receiveBufferSize: receiveBufferSize)
    }
}

/// Starts a server on port 0 over `loopCount` fresh loops, runs `body`, then shuts the server
/// down, stops the loops and checks that every handle was closed cleanly.
func withServer(
    loops loopCount: Int = 1, limits: HTTPLimits = HTTPLimits(), timeouts: HTTPTimeouts = HTTPTimeouts(),
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: (TestServer) async throws -> Void
) async throws {
    let loops = try (0..<loopCount).map { try EventLoop.start(name: "http-test-\($0)") }
    let responder = TestResponder(loops: loops)
    let accessLog = LockedValue([HTTPAccessRecord]())
    let configuration = HTTPServerConfiguration(
        host: "127.0.0.1", port: 0, reusePort: loopCount > 1, limits: limits, timeouts: timeouts,
        accessLog: { record in accessLog.withLock { $0.append(record) } })
    let server: HTTPServer
    do {
        server = try await HTTPServer.start(configuration: configuration, responder: responder, loops: loops)
    } catch {
        try await onThread { EventLoop.shutdownAndJoin(loops) }
        throw error
    }
    #expect(server.port > 0, sourceLocation: sourceLocation)
    var failure: (any Error)?
    do {
        try await body(TestServer(server: server, responder: responder, loops: loops, accessLog: accessLog))
    } catch {
        failure = error
    }
    await server.shutdown(gracePeriod: .seconds(2))
    #expect(await server.connectionCount() == 0, sourceLocation: sourceLocation)
    try await onThread { EventLoop.shutdownAndJoin(loops) }
    for loop in loops {
        #expect(loop.closeStatus == 0, sourceLocation: sourceLocation)
        #expect(loop.forcedCloses == 0, sourceLocation: sourceLocation)
    }
    if let failure { throw failure }
}

/// Milliseconds since `start` on the monotonic clock.
func millisSince(_ start: UInt64) -> Int {
    Int((EventLoop.monotonicNanoseconds &- start) / 1_000_000)
}

/// All socket tests share one serialized suite: they measure timeouts in milliseconds and
/// must not compete with each other for the two cores.
@Suite(.serialized) struct ServerSocketTests {}
