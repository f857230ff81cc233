import EventLoop
import Testing
@testable import UpstreamHTTP

extension UpstreamSocketTests {
    @Suite struct RoundTrips {
        @Test func getReturnsStatusHeadersAndBody() async throws {
            try await withPeer { peer in
                let response = try await peer.client.execute(UpstreamRequest(url: peer.url("/json")))
                #expect(response.status == 200)
                #expect(String(decoding: response.body, as: UTF8.self) == #"{"ok":true}"#)
                #expect(response.headers["content-type"] == "application/json")
                #expect(response.upstreamRequestID?.isEmpty == false)  // the server's own id
                #expect(response.attempts == 1)
                #expect(response.httpVersion == "1.1")
            }
        }

        @Test func postPassesHeadersBodyAndRequestID() async throws {
            try await withPeer { peer in
                let body = Array(#"{"content":"hello","n":[1,2,3]}"#.utf8)
                let request = UpstreamRequest(
                    method: .post, url: peer.url("/echo?x=1"),
                    headers: ["Content-Type": "application/json", "Authorization": "Bearer sk-secret", "OpenAI-Beta": "assistants=v2"],
                    body: body, requestID: "req-abc-123")
                let response = try await peer.client.execute(request)
                #expect(response.status == 200)
                #expect(response.body == body)
                #expect(response.headers["x-seen-method"] == "POST")
                #expect(response.headers["x-seen-target"] == "/echo?x=1")
                #expect(response.headers["x-seen-request-id"] == "req-abc-123")
                #expect(response.headers["x-echo-x-request-id"] == "req-abc-123")
                #expect(response.headers["x-echo-authorization"] == "Bearer sk-secret")
                #expect(response.headers["x-echo-openai-beta"] == "assistants=v2")
                #expect(response.headers["x-echo-content-type"] == "application/json")
                #expect(response.headers["x-echo-content-length"] == "\(body.count)")
                #expect(response.headers["x-echo-user-agent"] == "threadgate")
                #expect(response.headers["x-echo-expect"] == nil)
                #expect(!request.headers.description.contains("sk-secret"))
            }
        }

        @Test(arguments: [UpstreamMethod.delete, .put, .patch, .get, .head, .post])
        func methodsArriveAsSent(method: UpstreamMethod) async throws {
            try await withPeer { peer in
                let response = try await peer.client.execute(UpstreamRequest(method: method, url: peer.url("/echo")))
                #expect(response.status == 200)
                #expect(response.headers["x-seen-method"] == method.rawValue)
                #expect(response.body.isEmpty)
                // A body-less POST still declares its (empty) length and no form content type.
                if method == .post {
                    #expect(response.headers["x-echo-content-length"] == "0")
                    #expect(response.headers["x-echo-content-type"] == nil)
                }
            }
        }

        @Test func deleteWithBodyAndNotFoundStatus() async throws {
            try await withPeer { peer in
                let deleted = try await peer.client.execute(
                    UpstreamRequest(method: .delete, url: peer.url("/echo"), body: Array("gone".utf8)))
                #expect(deleted.headers["x-seen-method"] == "DELETE")
                #expect(deleted.body == Array("gone".utf8))
                let missing = try await peer.client.execute(UpstreamRequest(method: .delete, url: peer.url("/nothing")))
                #expect(missing.status == 404)
                #expect(missing.attempts == 1)
            }
        }

        @Test func attemptLogRecordsEachRequest() async throws {
            let log = LockedValue([UpstreamAttemptRecord]())
            let configuration = UpstreamHTTPConfiguration(attemptLog: { record in log.withLock { $0.append(record) } })
            try await withPeer(configuration: configuration) { peer in
                _ = try await peer.client.execute(UpstreamRequest(url: peer.url("/json?secret=1"), requestID: "rid-1"))
                let records = log.withLock { $0 }
                #expect(records.count == 1)
                #expect(records.first?.target == "GET http://127.0.0.1:\(peer.port)/json")
                #expect(records.first?.status == 200)
                #expect(records.first?.requestID == "rid-1")
                #expect(records.first?.upstreamRequestID == "rid-1")  // the server answers with the id it got
                #expect(records.first?.decision == .stop(.notRetryable))
            }
        }

        @Test func responseLargerThanTheLimitFails() async throws {
            try await withPeer(configuration: UpstreamHTTPConfiguration(maxResponseBytes: 10_000)) { peer in
                let error = await upstreamError { try await peer.client.execute(UpstreamRequest(url: peer.url("/big?bytes=200000"))) }
                #expect(error?.code == .responseTooLarge)
                // The client stays usable.
                let next = try await peer.client.execute(UpstreamRequest(url: peer.url("/json")))
                #expect(next.status == 200)
            }
        }

        @Test func invalidRequestsFailBeforeSending() async throws {
            try await withPeer { peer in
                let injected = await upstreamError {
                    try await peer.client.execute(UpstreamRequest(url: peer.url("/json"), headers: ["X-Evil": "a\r\nInjected: 1"]))
                }
                #expect(injected?.code == .invalidRequest)
                let scheme = await upstreamError { try await peer.client.execute(UpstreamRequest(url: "file:///etc/passwd")) }
                #expect(scheme?.code == .invalidRequest)
                let malformed = await upstreamError { try await peer.client.execute(UpstreamRequest(url: "http://[::1")) }
                #expect(malformed?.code == .invalidRequest)
                #expect(peer.records.isEmpty)
            }
        }

        @Test func callableFromATaskOnTheClientLoop() async throws {
            try await withPeer { peer in
                let loop = peer.clientLoop
                let client = peer.client
                let url = peer.url("/json")
                let status = try await Task(executorPreference: loop) { () async throws -> Int in
                    let response = try await client.execute(UpstreamRequest(url: url))
                    precondition(loop.inLoop)
                    return response.status
                }.value
                #expect(status == 200)
            }
        }
    }
}
