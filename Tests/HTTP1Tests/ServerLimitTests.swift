import EventLoop
@testable import HTTP1
import Testing
import TestSupport

/// Sends `request`, reads one response and then everything until the server closes.
private func refusal(
    _ server: TestServer, _ request: [UInt8]
) async throws -> (response: ClientResponse, rest: [UInt8], reset: Bool) {
    try await onThread {
        let client = try server.client()
        defer { client.close() }
        try client.send(request)
        let response = try client.readResponse()
        let (rest, reset) = try client.readUntilClosed()
        return (response, rest, reset)
    }
}

private func expectRefused(
    _ result: (response: ClientResponse, rest: [UInt8], reset: Bool), status: Int, code: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(result.response.status == status, sourceLocation: sourceLocation)
    #expect(result.response.closes, sourceLocation: sourceLocation)
    #expect(result.response["content-type"] == "application/json", sourceLocation: sourceLocation)
    #expect(result.response.text.contains(#""code":"\#(code)""#), "\(result.response.text)", sourceLocation: sourceLocation)
    #expect(result.response["x-request-id"]?.utf8.count == 32, sourceLocation: sourceLocation)
    #expect(result.rest.isEmpty, sourceLocation: sourceLocation)
}

private let small = HTTPLimits(maxRequestTargetBytes: 64, maxHeaderBytes: 512, maxHeaderCount: 10, maxBodyBytes: 1024)

extension ServerSocketTests {
    @Suite struct Limits {
        @Test func targetTooLongGets414() async throws {
            try await withServer(limits: small) { server in
                let result = try await refusal(server, Array(getRequest("/" + String(repeating: "a", count: 100)).utf8))
                expectRefused(result, status: 414, code: "request_target_too_long")
            }
        }

        @Test func headTooLargeGets431() async throws {
            try await withServer(limits: small) { server in
                let result = try await refusal(
                    server, Array(getRequest("/echo", ["X-Big: " + String(repeating: "b", count: 2000)]).utf8))
                expectRefused(result, status: 431, code: "headers_too_large")
            }
        }

        @Test func tooManyHeadersGets431() async throws {
            try await withServer(limits: small) { server in
                let result = try await refusal(server, Array(getRequest("/echo", (0..<20).map { "H\($0): v" }).utf8))
                expectRefused(result, status: 431, code: "headers_too_large")
            }
        }

        @Test func hugeDeclaredBodyGets413AtOnceAndTheConnectionCloses() async throws {
            try await withServer(limits: small) { server in
                let start = EventLoop.monotonicNanoseconds
                // Only the head is sent: the answer must not wait for a body that never comes.
                let result = try await refusal(
                    server, Array("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100000000000\r\n\r\n".utf8))
                expectRefused(result, status: 413, code: "body_too_large")
                #expect(millisSince(start) < 5_000, "the 413 waited for the body")
            }
        }

        @Test func bodyJustOverTheLimitGets413() async throws {
            try await withServer(limits: small) { server in
                let result = try await refusal(server, Array(postRequest("/echo", body: String(repeating: "x", count: 1025)).utf8))
                expectRefused(result, status: 413, code: "body_too_large")
                let ok = try await onThread { () -> ClientResponse in
                    let client = try server.client()
                    defer { client.close() }
                    return try client.exchange(postRequest("/echo", body: String(repeating: "x", count: 1024)))
                }
                #expect(ok.status == 200)
                #expect(ok.body.count == 1024)
            }
        }

        @Test func chunkedBodyOverTheLimitGets413() async throws {
            try await withServer(limits: small) { server in
                var request = "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                for _ in 0..<5 { request += "100\r\n" + String(repeating: "c", count: 256) + "\r\n" }
                request += "0\r\n\r\n"
                let result = try await refusal(server, Array(request.utf8))
                expectRefused(result, status: 413, code: "body_too_large")
            }
        }

        @Test(arguments: [
            ("GET / HTTP/1.1\r\nBad Header: x\r\n\r\n", 400, "malformed_request"),
            ("\u{16}\u{03}\u{01}\u{02}\u{00}garbage\r\n\r\n", 400, "malformed_request"),
            ("GET / HTTP/1.1\nHost: a\n\n", 400, "malformed_request"),
            ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400, "malformed_request"),
            ("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, "malformed_request"),
            ("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, "malformed_request"),
            ("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501, "unsupported_transfer_encoding"),
            ("POST / HTTP/1.1\r\nExpect: something\r\nContent-Length: 1\r\n\r\nx", 417, "expectation_failed"),
            ("GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, "http_version_not_supported"),
        ])
        func malformedRequestsAreRefusedAndClosed(request: String, status: Int, code: String) async throws {
            try await withServer { server in
                let result = try await refusal(server, Array(request.utf8))
                expectRefused(result, status: status, code: code)
            }
        }

        @Test func refusalAfterAGoodPipelinedRequestComesInOrder() async throws {
            try await withServer { server in
                let (responses, rest) = try await onThread { () -> ([ClientResponse], [UInt8]) in
                    let client = try server.client()
                    defer { client.close() }
                    try client.send(getRequest("/deferred?ms=30") + "BROKEN\u{1} / HTTP/1.1\r\n\r\n")
                    let responses = [try client.readResponse(), try client.readResponse()]
                    return (responses, try client.readUntilClosed().bytes)
                }
                #expect(responses.map(\.status) == [200, 400])
                #expect(responses[1].closes)
                #expect(rest.isEmpty)
            }
        }

        @Test func expectContinueGets100ThenTheResponse() async throws {
            try await withServer(limits: small) { server in
                let (interim, final, refused) = try await onThread { () -> (ClientResponse, ClientResponse, ClientResponse) in
                    let client = try server.client()
                    defer { client.close() }
                    try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
                    let interim = try client.readResponse()
                    try client.send("hello")
                    let final = try client.readResponse()
                    // Too large: refused before the client sends the body, with no 100 first.
                    try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n\r\n")
                    let refused = try client.readResponse()
                    return (interim, final, refused)
                }
                #expect(interim.status == 100)
                #expect(interim.reason == "Continue")
                #expect(final.status == 200)
                #expect(final.text == "hello")
                #expect(refused.status == 413)
                #expect(refused.closes)
            }
        }
    }
}
