import AssistantsV2
import EventLoop
import HTTP1
import JSON
import Testing
import TestSupport
import UpstreamHTTP

/// What goes on the wire, against `ScriptedUpstream`: headers, targets, bodies, odd streams.
extension AssistantsSocketTests {
    @Suite struct Wire {
        func withScripted(_ body: (AssistantsClient, ScriptedUpstream) async throws -> Void) async throws {
            let serverLoop = try EventLoop.start(name: "scripted-upstream")
            let clientLoop = try EventLoop.start(name: "scripted-client")
            let upstream = ScriptedUpstream(loop: serverLoop)
            let server = try await HTTPServer.start(
                configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0, reusePort: false), responder: upstream,
                loops: [serverLoop])
            let http = UpstreamHTTPClient(loop: clientLoop)
            let client = AssistantsClient(http: http, configuration: AssistantsConfiguration(
                baseURL: "http://127.0.0.1:\(server.port)/v1", apiKey: "sk-rec", organization: "org_1", project: "proj_1",
                extraHeaders: ["X-Extra": "1", "Authorization": "Bearer stolen"]))
            var failure: (any Error)?
            do {
                try await body(client, upstream)
            } catch {
                failure = error
            }
            await http.shutdown()
            await server.shutdown(gracePeriod: .seconds(1))
            let statuses = try await onThread {
                EventLoop.shutdownAndJoin([clientLoop, serverLoop])
                return [clientLoop, serverLoop].map(\.closeStatus)
            }
            #expect(statuses == [0, 0])
            if let failure { throw failure }
        }

        @Test func everyCallCarriesTheStandardHeaders() async throws {
            try await withScripted { client, upstream in
                let options = AssistantsRequestOptions(
                    requestID: "req-123", idempotencyKey: "idem-9",
                    headers: ["Authorization": "Bearer override", "X-Call": "yes", "OpenAI-Beta": "assistants=v1"])
                let thread = try await client.retrieveThread(id: "t 1/x", options: options)
                #expect(thread.value.id == "thread_rec")
                #expect(thread.value.raw["extra"] == true)
                _ = try? await client.listMessages(
                    threadID: "t1", ListParameters(limit: 2, order: .asc, after: "msg a&b"), runID: "run_1")
                _ = try? await client.createMessage(threadID: "t1", .user("hi"))
                let requests = upstream.requests
                #expect(requests.count == 3)
                let get = requests[0]
                #expect(get.method == .get)
                #expect(get.target == "/v1/threads/t%201%2Fx")
                #expect(get.headers["authorization"] == "Bearer sk-rec")
                #expect(get.headers.values(of: "authorization").count == 1)
                #expect(get.headers["openai-beta"] == "assistants=v2")
                #expect(get.headers["openai-organization"] == "org_1")
                #expect(get.headers["openai-project"] == "proj_1")
                #expect(get.headers["content-type"] == "application/json")
                #expect(get.headers["accept"] == "application/json")
                #expect(get.headers["x-request-id"] == "req-123")
                #expect(get.requestID == "req-123")
                #expect(get.headers["idempotency-key"] == "idem-9")
                #expect(get.headers["x-extra"] == "1" && get.headers["x-call"] == "yes")
                #expect(requests[1].target == "/v1/threads/t1/messages?limit=2&order=asc&after=msg%20a%26b&run_id=run_1")
                #expect(requests[1].headers["x-request-id"] == nil || requests[1].headers["x-request-id"] != "req-123")
                #expect(requests[1].headers["idempotency-key"] == nil)
                let post = requests[2]
                #expect(post.method == .post)
                #expect(String(decoding: post.body, as: UTF8.self) == #"{"role":"user","content":"hi"}"#)
            }
        }

        @Test func aStreamSplitIntoTinyWritesDecodes() async throws {
            try await withScripted { client, upstream in
                let stream = try await client.createRunStream(
                    threadID: "t1", CreateRunRequest(assistantID: "asst_1"),
                    options: AssistantsRequestOptions(headers: ["x-script": "split"]))
                var names: [String] = []
                var text = ""
                for try await event in stream {
                    names.append(event.name)
                    if case .messageDelta(let delta) = event { text += delta.text }
                    if case .unknown(let name, let data) = event { #expect(name == "thread.future.thing" && data == "whatever") }
                }
                #expect(
                    names == [
                        "thread.run.created", "thread.message.delta", "thread.message.delta", "thread.future.thing",
                        "thread.run.completed", "done",
                    ])
                #expect(text == "Héllo ✓")
                let sent = upstream.requests.last
                #expect(sent?.headers["accept"] == "text/event-stream")
                #expect(String(decoding: sent?.body ?? [], as: UTF8.self) == #"{"assistant_id":"asst_1","stream":true}"#)
            }
        }

        @Test func aStreamWithoutDoneIsAnError() async throws {
            try await withScripted { client, _ in
                let stream = try await client.createRunStream(
                    threadID: "t1", CreateRunRequest(assistantID: "asst_1"),
                    options: AssistantsRequestOptions(headers: ["x-script": "truncated"]))
                var names: [String] = []
                let error = await assistantsError { () async throws(AssistantsError) in
                    for try await event in stream { names.append(event.name) }
                }
                #expect(names == ["thread.run.created"])
                #expect(error?.kind == .invalidResponse)
                #expect(error?.target == "POST /threads/t1/runs")
            }
        }

        @Test func anErrorEventIsDeliveredAndEndsTheStream() async throws {
            try await withScripted { client, _ in
                let stream = try await client.createRunStream(
                    threadID: "t1", CreateRunRequest(assistantID: "asst_1"),
                    options: AssistantsRequestOptions(headers: ["x-script": "error"]))
                var events: [AssistantStreamEvent] = []
                for try await event in stream { events.append(event) }
                #expect(events.map(\.name) == ["thread.run.created", "error"])
                guard case .error(let error) = events.last else { return }
                #expect(error.kind == .streamError && error.code == "server_error" && error.message == "Sorry, something broke.")
            }
        }

        @Test func aJSONAnswerToAStreamIsAnError() async throws {
            try await withScripted { client, _ in
                let stream = try await client.createRunStream(threadID: "t1", CreateRunRequest(assistantID: "asst_1"))
                let error = await assistantsError { () async throws(AssistantsError) in
                    for try await _ in stream {}
                }
                #expect(error?.kind == .invalidResponse)
                let missing = await assistantsError { () async throws(AssistantsError) in
                    try await client.createRunStream(threadID: "t2", CreateRunRequest(assistantID: "asst_1"))
                }
                #expect(missing?.status == 404 && missing?.message == "nope")
            }
        }
    }
}
