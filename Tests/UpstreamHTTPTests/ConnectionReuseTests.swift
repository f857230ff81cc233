import EventLoop
import HTTP1
import Testing
import TestSupport
@testable import UpstreamHTTP

extension UpstreamSocketTests {
    @Suite struct ConnectionReuse {
        @Test func sequentialRequestsShareOneConnection() async throws {
            try await withPeer { peer in
                for i in 0..<20 {
                    let method: UpstreamMethod = i % 2 == 0 ? .get : .post
                    let response = try await peer.client.execute(
                        UpstreamRequest(method: method, url: peer.url("/echo?i=\(i)"), body: Array("b\(i)".utf8)))
                    #expect(response.status == 200)
                }
                // The server logs after it sent the response: the last record may trail.
                let logged = await eventually(pollInterval: .milliseconds(5)) { peer.records.count == 20 }
                #expect(logged)
                #expect(peer.connectionsSeen.count == 1, "connections: \(peer.connectionsSeen)")
                // Easy handles are recycled too: one was enough.
                let statistics = await peer.client.statistics()
                #expect(statistics.idleHandles == 1)
            }
        }

        @Test func concurrentRequestsStayWithinTheHostLimit() async throws {
            let configuration = UpstreamHTTPConfiguration(maxConnectionsPerHost: 3)
            try await withPeer(configuration: configuration) { peer in
                let client = peer.client
                let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                    for i in 0..<24 {
                        let url = peer.url("/slow?ms=20&i=\(i)")
                        group.addTask { try await client.execute(UpstreamRequest(url: url)).status }
                    }
                    return try await group.reduce(into: [Int]()) { $0.append($1) }
                }
                #expect(statuses == Array(repeating: 200, count: 24))
                // The server logs after it sent the response: the last records may trail.
                let logged = await eventually(pollInterval: .milliseconds(5)) { peer.records.count == 24 }
                #expect(logged)
                #expect(peer.connectionsSeen.count <= 3, "connections: \(peer.connectionsSeen)")
                #expect(peer.connectionsSeen.count >= 2)
                // A second round reuses the cached connections.
                let before = peer.connectionsSeen
                for _ in 0..<5 { _ = try await client.execute(UpstreamRequest(url: peer.url("/json"))) }
                let loggedAgain = await eventually(pollInterval: .milliseconds(5)) { peer.records.count == 29 }
                #expect(loggedAgain)
                #expect(peer.connectionsSeen == before)
            }
        }

        @Test func clientShutdownFailsTransfersInFlight() async throws {
            try await withPeer { peer in
                let client = peer.client
                // In flight far longer than a stalled test task takes to look.
                let url = peer.url("/slow?ms=30000")
                let task = Task { await upstreamError { try await client.execute(UpstreamRequest(url: url)) } }
                #expect(await eventually(timeout: .seconds(10)) { await client.statistics().transfers == 1 })
                await client.shutdown()
                let error = await task.value
                #expect(error?.code == .shutdown)
                let after = await upstreamError { try await client.execute(UpstreamRequest(url: url)) }
                #expect(after?.code == .shutdown)
            }
        }

        @Test func loopShutdownClosesAClientLeftOpen() async throws {
            let serverLoop = try EventLoop.start(name: "leftover-peer")
            let clientLoop = try EventLoop.start(name: "leftover-client")
            let responder = PeerResponder(loops: [serverLoop])
            let server = try await HTTPServer.start(
                configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0, reusePort: false),
                responder: responder, loops: [serverLoop])
            let client = UpstreamHTTPClient(loop: clientLoop)
            let base = "http://127.0.0.1:\(server.port)"
            let response = try await client.execute(UpstreamRequest(url: base + "/json"))
            #expect(response.status == 200)
            // One transfer in flight and a socket watched when the loop goes down, never shut
            // down by hand: the loop's shutdown hook must fail it and close every handle.
            let task = Task { await upstreamError { try await client.execute(UpstreamRequest(url: base + "/slow?ms=5000")) } }
            let started = await eventually(pollInterval: .milliseconds(5)) { await client.statistics().transfers == 1 }
            #expect(started)
            let watched = await eventually(pollInterval: .milliseconds(5)) { await client.statistics().sockets == 1 }
            #expect(watched)
            let stopped = try await stopLoops([clientLoop])
            #expect(await task.value?.code == .shutdown)
            #expect(stopped.first?.closeStatus == 0)
            #expect(stopped.first?.forcedCloses == 0)
            // Its loop is gone: the client refuses work instead of handing it to a dead loop.
            let late = await upstreamError { try await client.execute(UpstreamRequest(url: base + "/json")) }
            #expect(late?.code == .shutdown)
            await server.shutdown(gracePeriod: .seconds(1))
            #expect(try await stopLoops([serverLoop]).first?.closeStatus == 0)
        }
    }
}
