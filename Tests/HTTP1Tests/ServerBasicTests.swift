import EventLoop
@testable import HTTP1
import Testing
import TestSupport

extension ServerSocketTests {
    @Suite struct Basics {
        @Test(arguments: [1, 2])
        func keepAliveServesSeveralRequestsOnOneConnection(loops: Int) async throws {
            try await withServer(loops: loops) { server in
                let responses = try await onThread { () -> [ClientResponse] in
                    let client = try server.client()
                    defer { client.close() }
                    var responses: [ClientResponse] = []
                    for i in 0..<5 {
                        responses.append(try client.exchange(postRequest("/echo?i=\(i)", body: "body-\(i)")))
                        responses.append(try client.exchange(getRequest("/deferred?ms=5&i=\(i)")))
                    }
                    return responses
                }
                #expect(responses.count == 10)
                for (index, response) in responses.enumerated() {
                    #expect(response.status == 200)
                    #expect(response.version == "HTTP/1.1")
                    #expect(!response.closes)
                    #expect(response["date"].map(isIMFFixdate) == true)
                    #expect(response["content-length"] == "\(response.body.count)")
                    if index % 2 == 0 {
                        #expect(response.text == "body-\(index / 2)")
                        #expect(response["x-target"] == "/echo?i=\(index / 2)")
                        #expect(response["x-on-loop"] == "true")
                    } else {
                        #expect(response.text == "deferred /deferred?ms=5&i=\(index / 2) on loop true from true")
                    }
                }
            }
        }

        @Test(arguments: [1, 2])
        func pipelinedRequestsAreAnsweredInOrder(loops: Int) async throws {
            try await withServer(loops: loops) { server in
                let responses = try await onThread { () -> [ClientResponse] in
                    let client = try server.client()
                    defer { client.close() }
                    try client.send(
                        postRequest("/echo?n=1", body: "one") + getRequest("/deferred?ms=100&n=2")
                            + getRequest("/echo?n=3"))
                    return try (0..<3).map { _ in try client.readResponse() }
                }
                #expect(responses.map(\.status) == [200, 200, 200])
                #expect(responses[0].text == "one")
                #expect(responses[0]["x-target"] == "/echo?n=1")
                #expect(responses[1]["x-target"] == "/deferred?ms=100&n=2")
                #expect(responses[2]["x-target"] == "/echo?n=3")
                #expect(responses.allSatisfy { !$0.closes })
            }
        }

        @Test func manyPipelinedRequestsInOneWrite() async throws {
            try await withServer { server in
                let count = 200
                let responses = try await onThread { () -> [ClientResponse] in
                    let client = try server.client()
                    defer { client.close() }
                    var batch = ""
                    for i in 0..<count {
                        batch += i % 10 == 5 ? getRequest("/deferred?ms=1&i=\(i)") : postRequest("/echo?i=\(i)", body: "\(i)")
                    }
                    try client.send(batch)
                    return try (0..<count).map { _ in try client.readResponse() }
                }
                for (i, response) in responses.enumerated() {
                    #expect(response.status == 200)
                    if i % 10 == 5 {
                        #expect(response["x-target"] == "/deferred?ms=1&i=\(i)")
                    } else {
                        #expect(response.text == "\(i)")
                    }
                }
            }
        }

        @Test func contentLengthAndChunkedRequestBodies() async throws {
            try await withServer { server in
                let large = String(repeating: "0123456789abcdef", count: 32 * 1024)  // 512 KB
                let responses = try await onThread { () -> [ClientResponse] in
                    let client = try server.client()
                    defer { client.close() }
                    let chunked = try client.exchange(
                        "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + "5;ext=1\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: t\r\n\r\n")
                    let big = try client.exchange(postRequest("/echo", body: large))
                    let empty = try client.exchange(postRequest("/echo", body: ""))
                    return [chunked, big, empty]
                }
                #expect(responses[0].text == "hello world")
                #expect(responses[1].body.count == large.utf8.count)
                #expect(responses[1].text == large)
                #expect(responses[2].status == 200)
                #expect(responses[2].body.isEmpty)
                #expect(responses[2]["content-length"] == "0")
            }
        }

        @Test func bodySentByteByByteIsAssembled() async throws {
            try await withServer { server in
                let response = try await onThread { () -> ClientResponse in
                    let client = try server.client()
                    defer { client.close() }
                    for byte in Array(postRequest("/echo", body: "slow body").utf8) {
                        try client.send([byte])
                    }
                    return try client.readResponse()
                }
                #expect(response.text == "slow body")
            }
        }

        @Test(arguments: ["/stream?n=50", "/deferred-stream?n=50"])
        func streamedChunkedResponse(target: String) async throws {
            try await withServer { server in
                let responses = try await onThread { () -> [ClientResponse] in
                    let client = try server.client()
                    defer { client.close() }
                    return [try client.exchange(getRequest(target)), try client.exchange(getRequest("/text"))]
                }
                let expected = (0..<50).map { "chunk-\($0);" }.joined()
                #expect(responses[0].status == 200)
                #expect(responses[0].wasChunked)
                #expect(responses[0]["content-length"] == nil)
                #expect(responses[0]["date"] != nil)
                #expect(responses[0].text == expected)
                #expect(responses[1].text == "hello world", "the connection stays usable after a stream")
            }
        }

        @Test func failingStreamCutsTheConnection() async throws {
            try await withServer { server in
                let outcome = try await onThread { () -> String in
                    let client = try server.client()
                    defer { client.close() }
                    do {
                        let response = try client.exchange(getRequest("/fail-stream"))
                        return "complete: \(response)"
                    } catch {
                        return "cut"
                    }
                }
                #expect(outcome == "cut")
            }
        }

        @Test func headAndNoContentResponsesHaveNoBody() async throws {
            try await withServer { server in
                let responses = try await onThread { () -> [ClientResponse] in
                    let client = try server.client()
                    defer { client.close() }
                    let head = try client.exchange("HEAD /text HTTP/1.1\r\nHost: t\r\n\r\n", isHead: true)
                    let empty = try client.exchange(getRequest("/empty"))
                    let headStream = try client.exchange("HEAD /stream HTTP/1.1\r\nHost: t\r\n\r\n", isHead: true)
                    // Had any body byte been sent, this response would be misread.
                    let after = try client.exchange(getRequest("/text"))
                    return [head, empty, headStream, after]
                }
                #expect(responses[0].status == 200)
                #expect(responses[0]["content-length"] == "11")
                #expect(responses[1].status == 204)
                #expect(responses[1]["content-length"] == nil)
                #expect(responses[1]["transfer-encoding"] == nil)
                #expect(responses[2].status == 200)
                #expect(responses[3].text == "hello world")
            }
        }

        @Test func http10ClosesUnlessKeepAliveIsAsked() async throws {
            try await withServer { server in
                let (plain, plainRest) = try await onThread { () -> (ClientResponse, [UInt8]) in
                    let client = try server.client()
                    defer { client.close() }
                    let response = try client.exchange(getRequest("/echo", version: "HTTP/1.0"))
                    return (response, try client.readUntilClosed().bytes)
                }
                #expect(plain.version == "HTTP/1.0")
                #expect(plain.closes)
                #expect(plainRest.isEmpty)

                let alive = try await onThread { () -> [ClientResponse] in
                    let client = try server.client()
                    defer { client.close() }
                    return try (0..<3).map { _ in
                        try client.exchange(getRequest("/echo", ["Connection: keep-alive"], version: "HTTP/1.0"))
                    }
                }
                #expect(alive.allSatisfy { $0.version == "HTTP/1.0" && $0["connection"] == "keep-alive" })

                // A streamed response to HTTP/1.0 has no framing: the body ends with the connection.
                let streamed = try await onThread { () -> ClientResponse in
                    let client = try server.client()
                    defer { client.close() }
                    return try client.exchange(getRequest("/stream?n=3", ["Connection: keep-alive"], version: "HTTP/1.0"))
                }
                #expect(streamed.text == "chunk-0;chunk-1;chunk-2;")
                #expect(!streamed.wasChunked)
                #expect(streamed.closes)
            }
        }

        @Test func connectionCloseFromTheClientIsHonoured() async throws {
            try await withServer { server in
                let (response, rest) = try await onThread { () -> (ClientResponse, [UInt8]) in
                    let client = try server.client()
                    defer { client.close() }
                    let response = try client.exchange(getRequest("/text", ["Connection: close"]))
                    return (response, try client.readUntilClosed().bytes)
                }
                #expect(response.closes)
                #expect(response.text == "hello world")
                #expect(rest.isEmpty)
            }
        }

        @Test func requestsPipelinedAfterConnectionCloseAreNotAnswered() async throws {
            try await withServer { server in
                let (response, rest) = try await onThread { () -> (ClientResponse, [UInt8]) in
                    let client = try server.client()
                    defer { client.close() }
                    try client.send(getRequest("/deferred?ms=20", ["Connection: close"]) + getRequest("/text"))
                    let response = try client.readResponse()
                    return (response, try client.readUntilClosed().bytes)
                }
                #expect(response.status == 200)
                #expect(response.closes)
                #expect(rest.isEmpty, "answered a request after Connection: close")
                #expect(await eventually { server.records.count == 1 })
            }
        }

        @Test func requestIDIsEchoedWhenUsableAndGeneratedOtherwise() async throws {
            try await withServer { server in
                let responses = try await onThread { () -> [ClientResponse] in
                    let client = try server.client()
                    defer { client.close() }
                    return [
                        try client.exchange(getRequest("/echo", ["X-Request-Id: client-id-123"])),
                        try client.exchange(getRequest("/echo")),
                        try client.exchange(getRequest("/echo")),
                        try client.exchange(getRequest("/echo", ["X-Request-Id: has space"])),
                        try client.exchange(getRequest("/deferred?ms=1", ["x-request-id: deferred-id"])),
                    ]
                }
                #expect(responses[0]["x-request-id"] == "client-id-123")
                #expect(responses[0]["x-seen-request-id"] == "client-id-123")
                for generated in [responses[1], responses[2], responses[3]] {
                    let id = generated["x-request-id"] ?? ""
                    #expect(id.utf8.count == 32)
                    #expect(id.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
                    #expect(generated["x-seen-request-id"] == id)
                    #expect(generated.values("x-request-id").count == 1)
                }
                #expect(responses[1]["x-request-id"] != responses[2]["x-request-id"])
                #expect(responses[4]["x-request-id"] == "deferred-id")
            }
        }

        @Test func accessLogRecordsEachRequest() async throws {
            try await withServer { server in
                _ = try await onThread { () -> Int in
                    let client = try server.client()
                    defer { client.close() }
                    _ = try client.exchange(getRequest("/echo?q=1", ["X-Request-Id: logged-1"]))
                    _ = try client.exchange(getRequest("/missing"))
                    _ = try client.exchange("GET / HTTP/2.0\r\n\r\n")
                    return 0
                }
                #expect(await eventually { server.records.count == 3 })
                let records = server.records
                #expect(records[0].method == "GET")
                #expect(records[0].path == "/echo")
                #expect(records[0].status == 200)
                #expect(records[0].requestID == "logged-1")
                #expect(records[0].remoteAddress.hasPrefix("127.0.0.1:"))
                #expect(records[1].status == 404)
                #expect(records[2].status == 505)
                #expect(records[2].routeTemplate == "refused")
                #expect(records[2].errorCode == "http_version_not_supported")
            }
        }

        @Test func unknownRouteIsAnsweredByTheResponder() async throws {
            try await withServer { server in
                let response = try await onThread { () -> ClientResponse in
                    let client = try server.client()
                    defer { client.close() }
                    return try client.exchange(getRequest("/nowhere"))
                }
                #expect(response.status == 404)
                #expect(response.reason == "Not Found")
                #expect(response.text == "no route")
            }
        }

        @Test func connectionCountFollowsClients() async throws {
            try await withServer(loops: 2) { server in
                let clients = try await onThread { () -> [BlockingClient] in
                    let clients = try (0..<6).map { _ in try server.client() }
                    for client in clients { _ = try client.exchange(getRequest("/text")) }
                    return clients
                }
                #expect(await server.server.connectionCount() == 6)
                for client in clients { client.close() }
                #expect(await eventually { await server.server.connectionCount() == 0 })
            }
        }
    }
}
