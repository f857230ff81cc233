import EventLoop
@testable import HTTP1
import Testing
import TestSupport

extension ServerSocketTests {
    /// `HTTPResponse.Body.later`: the response a handler's work gives once it has returned.
    @Suite struct LaterResponses {
        @Test(arguments: [1, 2])
        func aLaterResponseIsAnsweredWithItsFinishersAndTheConnectionGoesOn(loops: Int) async throws {
            try await withServer(loops: loops) { server in
                let responses = try await onThread { () -> [ClientResponse] in
                    let client = try server.client()
                    defer { client.close() }
                    return [
                        try client.exchange(getRequest("/later?ms=20")),
                        try client.exchange(postRequest("/echo", body: "after")),
                        try client.exchange("HEAD /later?ms=1 HTTP/1.1\r\nHost: t\r\n\r\n", isHead: true),
                    ]
                }
                #expect(responses[0].status == 200)
                #expect(responses[0].text == "later /later?ms=20")
                #expect(responses[0]["x-finished"] == "1,2")  // innermost first, each once
                #expect(!responses[0].closes)
                #expect(responses[1].text == "after")
                #expect(responses[2].status == 200)
                #expect(responses[2].body.isEmpty)
                #expect(responses[2]["content-length"] == "\("later /later?ms=1".utf8.count)")
                #expect(server.responder.recorded.filter { $0 == "later:started" }.count == 2)
                #expect(await eventually { server.records.contains { $0.status == 200 && $0.path == "/later" } })
            }
        }

        @Test func clientDisconnectCancelsTheLaterWork() async throws {
            try await withServer { server in
                let client = try server.client()
                try client.send(getRequest("/later?ms=30000"))
                #expect(await eventually { server.responder.recorded.contains("later:started") })
                client.close()
                #expect(await eventually { server.responder.recorded.contains("later:cancelled:onLoop=true") })
                #expect(await eventually { server.records.contains { $0.status == 499 && $0.path == "/later" } })
                #expect(await eventually { await server.server.connectionCount() == 0 })
            }
        }

        @Test func laterWorkThatThrowsIsAnswered500() async throws {
            try await withServer { server in
                let response = try await onThread { () -> ClientResponse in
                    let client = try server.client()
                    defer { client.close() }
                    return try client.exchange(getRequest("/later-fail"))
                }
                #expect(response.status == 500)
                #expect(await eventually { server.records.contains { $0.status == 500 && $0.path == "/later-fail" } })
            }
        }
    }
}
