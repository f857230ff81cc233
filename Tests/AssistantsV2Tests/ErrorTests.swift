import AssistantsV2
import JSON
import Testing
import TestSupport
import UpstreamHTTP

extension AssistantsSocketTests {
    @Suite struct Errors {
        @Test func wrongKeyIs401WithTheUpstreamShape() async throws {
            try await withAssistants { h async throws in
                let client = h.client { $0.apiKey = "sk-wrong-key-000000" }
                let error = await assistantsError { () async throws(AssistantsError) in try await client.retrieveAssistant(id: "asst_default") }
                #expect(error?.kind == .api)
                #expect(error?.status == 401 && error?.isAuthentication == true)
                #expect(error?.type == "invalid_request_error")
                #expect(error?.code == "invalid_api_key")
                #expect(error?.param == nil)
                #expect(error?.message.hasPrefix("Incorrect API key provided: sk-************0000.") == true)
                #expect(error?.attempts == 1)
                #expect(error?.upstreamRequestID?.isEmpty == false)
                #expect(error?.description == "upstream answered 401 (invalid_request_error)")
            }
        }

        @Test func unknownIdsAre404() async throws {
            try await withAssistants { h async throws in
                let thread = await assistantsError { () async throws(AssistantsError) in try await h.client.retrieveThread(id: "thread_nope") }
                #expect(thread?.isNotFound == true)
                #expect(thread?.message == "No thread found with id 'thread_nope'.")
                #expect(thread?.type == "invalid_request_error")
                #expect(thread?.target == "GET /threads/thread_nope")
                let real = try await h.thread(saying: "hi")
                let run = await assistantsError { () async throws(AssistantsError) in
                    try await h.client.retrieveRun(threadID: real, runID: "run_nope")
                }
                #expect(run?.status == 404)
                #expect(run?.message == "No run found with id 'run_nope'.")
                // An id is one path segment, whatever it holds.
                let odd = await assistantsError { () async throws(AssistantsError) in
                    try await h.client.retrieveThread(id: "../assistants/asst_default")
                }
                #expect(odd?.status == 404)
            }
        }

        @Test func runActive400sKeepTheExactMessages() async throws {
            try await withAssistants { h async throws in
                // Busy far longer than the four requests below take, even on a loaded machine.
                let thread = try await h.thread(saying: "busy [[slow:10000]]")
                let run = try await h.client.createRun(threadID: thread, CreateRunRequest(assistantID: "asst_default")).value
                let message = await assistantsError { () async throws(AssistantsError) in
                    try await h.client.createMessage(threadID: thread, .user("again"))
                }
                #expect(message?.status == 400)
                #expect(message?.message == "Can't add messages to \(thread) while a run \(run.id) is active.")
                #expect(message?.type == "invalid_request_error" && message?.code == nil && message?.param == nil)
                #expect(message?.isRunActive == true)
                #expect(message?.activeRunID == run.id)
                let second = await assistantsError { () async throws(AssistantsError) in
                    try await h.client.createRun(threadID: thread, CreateRunRequest(assistantID: "asst_default"))
                }
                #expect(second?.message == "Thread \(thread) already has an active run \(run.id).")
                #expect(second?.isRunActive == true && second?.activeRunID == run.id)
                // The same 400 before a stream starts.
                let streamed = await assistantsError { () async throws(AssistantsError) in
                    try await h.client.createRunStream(threadID: thread, CreateRunRequest(assistantID: "asst_default"))
                }
                #expect(streamed?.isRunActive == true && streamed?.activeRunID == run.id)
                _ = try await h.client.cancelRun(threadID: thread, runID: run.id)
                _ = try await h.waitForRun(thread, run.id)
            }
        }

        @Test func metadataLimitsAre400s() async throws {
            try await withAssistants { h async throws in
                var tooMany = Metadata()
                for index in 0..<17 { tooMany["k\(index)"] = "v" }
                let pairs = await assistantsError { () async throws(AssistantsError) in
                    try await h.client.createThread(CreateThreadRequest(metadata: tooMany))
                }
                #expect(pairs?.status == 400)
                #expect(pairs?.code == "object_above_max_properties")
                #expect(pairs?.param == "metadata")
                #expect(
                    pairs?.message
                        == "Invalid 'metadata': too many properties. Expected an object with at most 16 properties, but got an object with 17 properties instead."
                )
                let thread = try await h.client.createThread().value.id
                let long = await assistantsError { () async throws(AssistantsError) in
                    try await h.client.modifyThread(id: thread, ModifyThreadRequest(metadata: ["k": String(repeating: "v", count: 513)]))
                }
                #expect(long?.status == 400)
                #expect(long?.param == "metadata.k")
                #expect(long?.code == "string_above_max_length")
                let key = await assistantsError { () async throws(AssistantsError) in
                    try await h.client.createMessage(
                        threadID: thread, .user("x", metadata: [String(repeating: "k", count: 65): "v"]))
                }
                #expect(key?.status == 400)
                #expect(key?.message.contains("key too long") == true)
            }
        }

        @Test func unknownParametersAreRejectedByTheUpstream() async throws {
            try await withAssistants { h async throws in
                let error = await assistantsError { () async throws(AssistantsError) in
                    try await h.client.createThread(CreateThreadRequest(extra: ["colour": "blue"]))
                }
                #expect(error?.status == 400)
                #expect(error?.code == "unknown_parameter")
                #expect(error?.param == "colour")
            }
        }

        @Test func refusedConnectionIsATransportErrorAfterRetries() async throws {
            try await withAssistants { h async throws in
                let port = closedPort()
                let client = h.client { $0.baseURL = "http://127.0.0.1:\(port)/v1" }
                let error = await assistantsError { () async throws(AssistantsError) in try await client.retrieveThread(id: "thread_1") }
                #expect(error?.kind == .transport)
                #expect(error?.transport?.code == .connectFailed)
                #expect(error?.attempts == 3)
                #expect(error?.status == nil)
                // A POST without an idempotency key is not repeated, even on a refused connection.
                let post = await assistantsError { () async throws(AssistantsError) in try await client.createThread() }
                #expect(post?.transport?.code == .connectFailed)
                #expect(post?.attempts == 1)
            }
        }

        @Test func slowAnswerTimesOut() async throws {
            try await withAssistants { h async throws in
                let started = monotonicMillis()
                let error = await assistantsError { () async throws(AssistantsError) in
                    try await h.client.retrieveAssistant(
                        id: "asst_default",
                        options: AssistantsRequestOptions(
                            timeouts: UpstreamTimeouts(connect: .seconds(2), total: .milliseconds(200)),
                            headers: ["X-Simulator-Fault": "latency=5000"]))
                }
                #expect(error?.kind == .transport)
                #expect(error?.isTimeout == true)
                #expect(error?.transport?.code == .totalTimeout)
                #expect(error?.attempts == 1)
                #expect(monotonicMillis() - started < 4_000, "the 5 s answer was waited for")
            }
        }
        @Test func stalledBodyTimesOut() async throws {
            try await withAssistants { h async throws in
                let error = await assistantsError { () async throws(AssistantsError) in
                    try await h.client.retrieveAssistant(
                        id: "asst_default",
                        options: AssistantsRequestOptions(
                            timeouts: UpstreamTimeouts(connect: .seconds(2), total: .seconds(5), stalled: .milliseconds(150)),
                            headers: ["X-Simulator-Fault": "stall=1500"]))
                }
                #expect(error?.transport?.code == .stalled)
                #expect(error?.isTimeout == true)
                #expect(error?.attempts == 1, "a stall is not a retryable failure")
                #expect(try await h.faults("stall") == 1)
            }
        }
    }
}
