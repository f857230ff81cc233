import EventLoop
import HTTP1
import Testing
import TestSupport
@testable import UpstreamHTTP

#if canImport(Glibc)
import Glibc
#endif

/// A running upstream (server on its own loop) and a client on another loop.
struct Peer: Sendable {
    let server: HTTPServer
    let responder: PeerResponder
    let client: UpstreamHTTPClient
    let clientLoop: EventLoop
    let accessLog: LockedValue<[HTTPAccessRecord]>

    var port: Int { server.port }
    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// The access log so far.
    var records: [HTTPAccessRecord] { accessLog.withLock { $0 } }

    /// Distinct client connections (remote address and port) the server has answered on.
    var connectionsSeen: Set<String> { Set(records.map(\.remoteAddress)) }
}

/// Starts the upstream on port 0 and a client, runs `body`, shuts everything down and checks
/// that both loops closed with no handle left (none closed by force either).
func withPeer(
    configuration: UpstreamHTTPConfiguration = UpstreamHTTPConfiguration(),
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: (Peer) async throws -> Void
) async throws {
    let serverLoop = try EventLoop.start(name: "upstream-peer")
    let clientLoop = try EventLoop.start(name: "upstream-client")
    let responder = PeerResponder(loops: [serverLoop])
    let accessLog = LockedValue([HTTPAccessRecord]())
    let server = try await HTTPServer.start(
        configuration: HTTPServerConfiguration(
            host: "127.0.0.1", port: 0, reusePort: false,
            accessLog: { record in accessLog.withLock { $0.append(record) } }),
        responder: responder, loops: [serverLoop])
    let client = UpstreamHTTPClient(loop: clientLoop, configuration: configuration)
    var failure: (any Error)?
    do {
        try await body(Peer(server: server, responder: responder, client: client, clientLoop: clientLoop, accessLog: accessLog))
    } catch {
        failure = error
    }
    let statistics = await client.statistics()
    #expect(statistics.transfers == 0, "transfers left in flight", sourceLocation: sourceLocation)
    await client.shutdown()
    await server.shutdown(gracePeriod: .seconds(1))
    for (closeStatus, forcedCloses) in try await stopLoops([clientLoop, serverLoop]) {
        #expect(closeStatus == 0, sourceLocation: sourceLocation)
        #expect(forcedCloses == 0, sourceLocation: sourceLocation)
    }
    if let failure { throw failure }
}

/// Shuts `loops` down, joins their threads and returns each one's `uv_loop_close` status and
/// forced closes, read on the joining thread (after the join, so without a race).
func stopLoops(_ loops: [EventLoop]) async throws -> [(closeStatus: Int32, forcedCloses: Int)] {
    try await onThread {
        EventLoop.shutdownAndJoin(loops)
        return loops.map { ($0.closeStatus, $0.forcedCloses) }
    }
}

/// Monotonic milliseconds since `start` (from `EventLoop.monotonicNanoseconds`).
func millisSince(_ start: UInt64) -> Double {
    Double(EventLoop.monotonicNanoseconds &- start) / 1e6
}

/// A policy with no jitter and short pauses, for fast deterministic tests.
func quickRetries(attempts: Int = 3, base: Duration = .milliseconds(20)) -> RetryPolicy {
    RetryPolicy(maxAttempts: attempts, baseDelay: base, maxDelay: .milliseconds(200), jitter: 0.5, random: { 0 })
}

/// Runs `body` and returns the `UpstreamHTTPError` it throws (nil when it does not throw).
func upstreamError<T>(_ body: () async throws -> T) async -> UpstreamHTTPError? {
    do {
        _ = try await body()
        return nil
    } catch let error as UpstreamHTTPError {
        return error
    } catch {
        Issue.record("unexpected error type: \(error)")
        return nil
    }
}

/// Socket tests share one serialized suite: they measure timings on two shared cores.
@Suite(.serialized) struct UpstreamSocketTests {}
