import EventLoop
@testable import HTTP1
import Testing
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

private let quick = HTTPTimeouts(
    header: .milliseconds(200), body: .milliseconds(200), idle: .milliseconds(200), linger: .seconds(2))

extension ServerSocketTests {
    @Suite struct Timeouts {
        @Test func halfAHeadGets408ThenClose() async throws {
            try await withServer(timeouts: quick) { server in
                let (response, rest, elapsed) = try await onThread { () -> (ClientResponse, [UInt8], Int) in
                    let client = try server.client()
                    defer { client.close() }
                    let start = EventLoop.monotonicNanoseconds
                    try client.send("GET /echo HTTP/1.1\r\nHost: t\r\n")
                    let response = try client.readResponse()
                    let elapsed = millisSince(start)
                    return (response, try client.readUntilClosed().bytes, elapsed)
                }
                #expect(response.status == 408)
                #expect(response.closes)
                #expect(response.text.contains("request_header_timeout"))
                #expect(rest.isEmpty)
                #expect(elapsed >= 190 && elapsed < 5_000, "took \(elapsed) ms")
            }
        }

        @Test func trickledHeadStillTimesOut() async throws {
            // The header timer runs from the first byte: sending slowly does not extend it.
            try await withServer(timeouts: quick) { server in
                let (status, elapsed) = try await onThread { () -> (Int, Int) in
                    let client = try server.client()
                    defer { client.close() }
                    let start = EventLoop.monotonicNanoseconds
                    for byte in Array("GET /echo HTTP/1.1\r\nX-Slow: ".utf8) {
                        try client.send([byte])
                        usleep(15_000)
                        if millisSince(start) > 600 { break }
                    }
                    let response = try client.readResponse()
                    return (response.status, millisSince(start))
                }
                #expect(status == 408)
                #expect(elapsed < 3_000, "took \(elapsed) ms")
            }
        }

        @Test func slowBodyGets408() async throws {
            try await withServer(timeouts: quick) { server in
                let (response, rest) = try await onThread { () -> (ClientResponse, [UInt8]) in
                    let client = try server.client()
                    defer { client.close() }
                    try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc")
                    let response = try client.readResponse()
                    return (response, try client.readUntilClosed().bytes)
                }
                #expect(response.status == 408)
                #expect(response.closes)
                #expect(response.text.contains("request_body_timeout"))
                #expect(rest.isEmpty)
            }
        }

        @Test func idleKeepAliveConnectionClosesSilently() async throws {
            try await withServer(timeouts: quick) { server in
                let (response, rest, idle) = try await onThread { () -> (ClientResponse, [UInt8], Int) in
                    let client = try server.client()
                    defer { client.close() }
                    // From before the request: the server arms the idle timer after the request
                    // arrived, while the client may read the response only much later.
                    let start = EventLoop.monotonicNanoseconds
                    let response = try client.exchange(getRequest("/text"))
                    let rest = try client.readUntilClosed().bytes
                    return (response, rest, millisSince(start))
                }
                #expect(response.status == 200)
                #expect(!response.closes)
                #expect(rest.isEmpty, "an idle close sends nothing")
                #expect(idle >= 190 && idle < 5_000, "closed after \(idle) ms")
            }
        }

        @Test func silentNewConnectionIsClosedWithoutAResponse() async throws {
            try await withServer(timeouts: quick) { server in
                let (rest, elapsed) = try await onThread { () -> ([UInt8], Int) in
                    let client = try server.client()
                    defer { client.close() }
                    let start = EventLoop.monotonicNanoseconds
                    return (try client.readUntilClosed().bytes, millisSince(start))
                }
                #expect(rest.isEmpty)
                #expect(elapsed < 5_000, "took \(elapsed) ms")
            }
        }

        @Test func aSlowHandlerIsNotCutByTheRequestTimers() async throws {
            try await withServer(timeouts: quick) { server in
                let response = try await onThread { () -> ClientResponse in
                    let client = try server.client()
                    defer { client.close() }
                    return try client.exchange(postRequest("/deferred?ms=600", body: "x"))
                }
                #expect(response.status == 200)
                #expect(!response.closes)
            }
        }

        @Test func keepAliveRequestsBeforeTheIdleTimeoutSucceed() async throws {
            // Pauses of a fifth of the idle timeout (a wide margin on a loaded machine), over
            // 2.4 s in all: longer than the timeout, so it must restart with each request.
            var timeouts = quick
            timeouts.idle = .milliseconds(1_500)
            try await withServer(timeouts: timeouts) { server in
                let statuses = try await onThread { () -> [Int] in
                    let client = try server.client()
                    defer { client.close() }
                    var statuses: [Int] = []
                    for _ in 0..<8 {
                        statuses.append(try client.exchange(getRequest("/text")).status)
                        usleep(300_000)
                    }
                    return statuses
                }
                #expect(statuses == Array(repeating: 200, count: 8))
            }
        }

        @Test func refusedClientThatNeverClosesIsDroppedAfterTheLinger() async throws {
            let timeouts = HTTPTimeouts(
                header: .milliseconds(200), body: .milliseconds(200), idle: .milliseconds(200), linger: .milliseconds(300))
            try await withServer(timeouts: timeouts) { server in
                let client = try server.client()
                defer { client.close() }
                let response = try await onThread { () -> ClientResponse in
                    try client.exchange("GARBAGE\u{1}\r\n\r\n")
                }
                #expect(response.status == 400)
                // The client neither reads to the end nor closes: the linger timer ends it.
                #expect(await eventually { await server.server.connectionCount() == 0 })
            }
        }
    }
}
