import EventLoop
@testable import HTTP1
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

extension ServerSocketTests {
    @Suite struct Lifecycle {
        @Test(arguments: [1, 2])
        func clientDisconnectCancelsItsDeferredHandler(loops: Int) async throws {
            try await withServer(loops: loops) { server in
                let client = try server.client()
                try client.send(getRequest("/wait"))
                #expect(await eventually { server.responder.recorded.contains("wait:started") })
                client.close()
                #expect(await eventually { server.responder.recorded.contains("wait:cancelled:onLoop=true") })
                #expect(!server.responder.recorded.contains("wait:finished"))
                #expect(await eventually { server.records.contains { $0.status == 499 && $0.path == "/wait" } })
                #expect(await eventually { await server.server.connectionCount() == 0 })
            }
        }

        @Test func gracefulShutdownLetsTheInFlightRequestFinish() async throws {
            try await withServer(loops: 2) { server in
                let port = server.port
                // The handler takes long enough that the shutdown reaches its connection first
                // (the response must say close), even on a loaded machine.
                let clientTask = Task {
                    try await onThread { () -> (ClientResponse, [UInt8]) in
                        let client = try server.client()
                        defer { client.close() }
                        let response = try client.exchange(getRequest("/deferred?ms=1500"))
                        return (response, try client.readUntilClosed().bytes)
                    }
                }
                #expect(await eventually { server.responder.recorded.contains("deferred:start:/deferred?ms=1500") })
                let start = EventLoop.monotonicNanoseconds
                let shutdown = Task { await server.server.shutdown(gracePeriod: .seconds(10)) }
                // New connections are refused as soon as the listeners are closed.
                #expect(await eventually { BlockingClient.connectErrno(port: port) == ECONNREFUSED })
                let (response, rest) = try await clientTask.value
                await shutdown.value
                let took = millisSince(start)
                #expect(response.status == 200)
                #expect(response.closes, "the last response of a draining connection says close")
                #expect(response.text.hasPrefix("deferred /deferred?ms=1500"))
                #expect(rest.isEmpty)
                #expect(took < 6_000, "shutdown took \(took) ms: the 10 s grace period was waited out")
                #expect(BlockingClient.connectErrno(port: port) == ECONNREFUSED)
                #expect(await server.server.connectionCount() == 0)
            }
        }

        @Test func gracefulShutdownClosesIdleKeepAliveConnectionsAtOnce() async throws {
            try await withServer { server in
                let client = try server.client()
                defer { client.close() }
                let response = try await onThread { try client.exchange(getRequest("/text")) }
                #expect(!response.closes)
                let start = EventLoop.monotonicNanoseconds
                await server.server.shutdown(gracePeriod: .seconds(5))
                #expect(millisSince(start) < 4_000, "the 5 s grace period was waited out")
                let rest = try await onThread { try client.readUntilClosed() }
                #expect(rest.bytes.isEmpty)
            }
        }

        @Test func gracePeriodForcesAHangingHandlerClosed() async throws {
            try await withServer { server in
                let clientTask = Task {
                    try await onThread { () -> (bytes: [UInt8], reset: Bool) in
                        let client = try server.client()
                        defer { client.close() }
                        try client.send(getRequest("/wait"))
                        return try client.readUntilClosed()
                    }
                }
                #expect(await eventually { server.responder.recorded.contains("wait:started") })
                let start = EventLoop.monotonicNanoseconds
                await server.server.shutdown(gracePeriod: .milliseconds(300))
                let took = millisSince(start)
                #expect(took >= 250 && took < 10_000, "shutdown took \(took) ms: the 30 s handler was waited for")
                let rest = try await clientTask.value
                #expect(rest.bytes.isEmpty, "no response for a handler cut short")
                #expect(await eventually { server.responder.recorded.contains("wait:cancelled:onLoop=true") })
                #expect(BlockingClient.connectErrno(port: server.port) == ECONNREFUSED)
            }
        }

        @Test func shutdownWithNoConnectionsReturnsAtOnce() async throws {
            try await withServer(loops: 2) { server in
                let start = EventLoop.monotonicNanoseconds
                await server.server.shutdown(gracePeriod: .seconds(5))
                #expect(millisSince(start) < 4_000, "the 5 s grace period was waited out")
                await server.server.shutdown(gracePeriod: .seconds(5))  // twice is harmless
                #expect(BlockingClient.connectErrno(port: server.port) == ECONNREFUSED)
            }
        }

        @Test func startFailsCleanlyWhenThePortIsTaken() async throws {
            let holder = try EventLoop.start(name: "holder")
            let taken = try await holder.submit {
                let listener = try TCPListener(
                    loop: holder, address: SocketAddress(host: "127.0.0.1", port: 0), reusePort: false)
                try listener.listen { $0.close() }
                return listener
            }
            let loop = try EventLoop.start(name: "refused")
            let configuration = HTTPServerConfiguration(host: "127.0.0.1", port: taken.localAddress.port, reusePort: false)
            do {
                _ = try await HTTPServer.start(configuration: configuration, responder: TestResponder(loops: [loop]), loops: [loop])
                Issue.record("started on a taken port")
            } catch let error as EventLoopError {
                #expect(error.isAddressInUse, "\(error)")
            }
            // The listener that failed to bind is closed (its close callback runs on a later turn).
            #expect(await eventually { (try? await loop.submit { loop.openHandleCount }) == 0 })
            try await holder.submit { taken.close() }
            try await onThread { EventLoop.shutdownAndJoin([loop, holder]) }
            #expect(loop.closeStatus == 0)
            #expect(loop.forcedCloses == 0, "the failed listener was left open")
            #expect(holder.forcedCloses == 0)
        }
    }

    @Suite struct Backpressure {
        @Test func slowReaderBoundsThePendingWriteBytes() async throws {
            try await withServer { server in
                let total = 8 * 1024 * 1024
                let client = try server.client(timeout: .seconds(10), receiveBufferSize: 64 * 1024)
                defer { client.close() }
                try await onThread { try client.send(getRequest("/big?bytes=\(total)")) }

                // The client reads nothing: the producer must stall well before the end.
                var samples: [Int] = []
                var stable = false
                for _ in 0..<150 {
                    try await Task.sleep(for: .milliseconds(100))
                    let produced = server.responder.streamProbe.produced
                    if produced > 0 && produced == samples.last {
                        stable = true
                        break
                    }
                    samples.append(produced)
                }
                let stalled = server.responder.streamProbe
                #expect(stable, "the producer never stalled (bytes produced every 100 ms: \(samples))")
                #expect(!stalled.finished)
                #expect(stalled.produced < total, "all \(total) bytes were produced for a client that reads nothing")
                let bound = ConnectionBodyWriter.highWaterMark + 64 * 1024 + 64
                #expect(stalled.maxPendingWriteBytes <= bound, "pending write bytes reached \(stalled.maxPendingWriteBytes)")
                #expect(!server.responder.recorded.contains("big:no-connection"))

                // Now read slowly to the end and check every byte.
                let response = try await onThread { () -> ClientResponse in
                    let head = try client.readLine()
                    var headers: [String] = []
                    while true {
                        let line = try client.readLine()
                        if line.isEmpty { break }
                        headers.append(line)
                    }
                    var body: [UInt8] = []
                    body.reserveCapacity(total)
                    var reads = 0
                    while true {
                        let size = try client.readLine()
                        guard let count = Int(size, radix: 16) else { throw ClientError("bad chunk size \(size)") }
                        if count == 0 {
                            _ = try client.readLine()
                            break
                        }
                        var remaining = count
                        while remaining > 0 {
                            let piece = try client.readSome(max: min(remaining, 16 * 1024))
                            guard !piece.isEmpty else { throw ClientError("end of file inside a chunk") }
                            body += piece
                            remaining -= piece.count
                            reads += 1
                            if reads % 16 == 0 { usleep(1_000) }
                        }
                        guard try client.readLine().isEmpty else { throw ClientError("missing chunk CRLF") }
                    }
                    return ClientResponse(version: String(head.prefix(8)), status: Int(head.dropFirst(9).prefix(3)) ?? 0, reason: "", headers: headers.map { ($0, "") }, body: body)
                }
                #expect(response.status == 200)
                #expect(response.body.count == total)
                let mismatch = PatternBody.firstMismatch(in: response.body, at: 0)
                #expect(mismatch == nil, "first wrong byte at \(mismatch ?? -1)")
                #expect(await eventually { server.responder.streamProbe.finished })
                #expect(server.responder.streamProbe.maxPendingWriteBytes <= bound)
            }
        }

        @Test func slowReaderThatLeavesCancelsTheProducer() async throws {
            try await withServer { server in
                let client = try server.client(receiveBufferSize: 64 * 1024)
                try await onThread { try client.send(getRequest("/big?bytes=\(64 * 1024 * 1024)")) }
                #expect(await eventually { server.responder.streamProbe.produced > 0 })
                client.close()
                #expect(await eventually { server.responder.streamProbe.failed })
                #expect(!server.responder.streamProbe.finished)
                #expect(await eventually { await server.server.connectionCount() == 0 })
            }
        }
    }

    @Suite struct StreamEnding {
        @Test func closingStreamedResponseHalfClosesPromptlyForABehindClient() async throws {
            // Connection: close + a streamed body the client reads behind the server: once the
            // last chunk is flushed the server must send FIN, not wait for the linger timer
            // (10 s: far longer than a loaded sanitizer run needs between the last byte and FIN).
            let timeouts = HTTPTimeouts(linger: .seconds(10))
            try await withServer(timeouts: timeouts) { server in
                let total = 2 * 1024 * 1024
                let (response, waitedForEOF) = try await onThread { () -> (ClientResponse, Int) in
                    let client = try server.client(timeout: .seconds(20), receiveBufferSize: 32 * 1024)
                    defer { client.close() }
                    try client.send(getRequest("/big?bytes=\(total)", ["Connection: close"]))
                    usleep(300_000)  // let the server fill the socket and finish producing
                    let response = try client.readResponse()
                    let start = EventLoop.monotonicNanoseconds
                    let rest = try client.readUntilClosed()
                    return (response, rest.bytes.isEmpty ? millisSince(start) : -1)
                }
                #expect(response.status == 200)
                #expect(response.closes)
                #expect(response.body.count == total)
                #expect(waitedForEOF >= 0 && waitedForEOF < 4_000, "end of file came \(waitedForEOF) ms after the body")
            }
        }

        @Test func aWriterUsedAfterItsStreamEndedIsRefused() async throws {
            try await withServer { server in
                let responses = try await onThread { () -> [ClientResponse] in
                    let client = try server.client()
                    defer { client.close() }
                    let first = try client.exchange(getRequest("/leaky-stream"))
                    // The next response on the same connection must not carry the late bytes.
                    try client.send(getRequest("/deferred?ms=100"))
                    let second = try client.readResponse()
                    let third = try client.exchange(getRequest("/text"))
                    return [first, second, third]
                }
                #expect(responses[0].text == "in time;")
                #expect(responses[1].status == 200)
                #expect(responses[1].text.hasPrefix("deferred /deferred?ms=100"))
                #expect(responses[2].text == "hello world")
                #expect(await eventually { server.responder.recorded.contains { $0.hasPrefix("leaky:") } })
                #expect(server.responder.recorded.contains("leaky:refused"))
            }
        }
    }

    @Suite struct Concurrency {
        @Test(arguments: [1, 2])
        func manyClientsAtOnce(loops: Int) async throws {
            try await withServer(loops: loops) { server in
                let clients = 50
                let requests = 20
                let failures = LockedValue([String]())
                let ok = LockedValue(0)
                let threads = (0..<clients).map { c in
                    startThread {
                        do {
                            // Even clients keep one connection; odd ones reconnect every 5 requests.
                            var client = try server.client()
                            for r in 0..<requests {
                                if c % 2 == 1 && r > 0 && r % 5 == 0 {
                                    client.close()
                                    client = try server.client()
                                }
                                let body = "client \(c) request \(r)"
                                let response: ClientResponse
                                switch r % 4 {
                                case 0, 1: response = try client.exchange(postRequest("/echo?c=\(c)&r=\(r)", body: body))
                                case 2: response = try client.exchange(getRequest("/deferred?ms=2&c=\(c)&r=\(r)"))
                                default: response = try client.exchange(getRequest("/stream?n=3"))
                                }
                                let expected: String
                                switch r % 4 {
                                case 0, 1: expected = body
                                case 2: expected = "deferred /deferred?ms=2&c=\(c)&r=\(r) on loop true from true"
                                default: expected = "chunk-0;chunk-1;chunk-2;"
                                }
                                if response.status == 200 && response.text == expected {
                                    ok.withLock { $0 += 1 }
                                } else {
                                    failures.withLock { $0.append("client \(c) request \(r): \(response)") }
                                }
                            }
                            client.close()
                        } catch {
                            failures.withLock { $0.append("client \(c): \(error)") }
                        }
                    }
                }
                try await onThread { for thread in threads { pthread_join(thread, nil) } }
                #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0.prefix(5) })")
                #expect(ok.withLock { $0 } == clients * requests)
                #expect(await eventually { await server.server.connectionCount() == 0 })
            }
        }
    }
}
