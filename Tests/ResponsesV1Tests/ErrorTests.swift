import JSON
import ResponsesV1
import Testing
import UpstreamAPI

extension ResponsesSocketTests {
    @Suite struct Errors {
        @Test func unknownIDsAreNotFound() async throws {
            try await withResponses { h async throws in
                let thread = try await h.thread(saying: "hi")
                let run = await upstreamError { () async throws(UpstreamAPIError) in
                    try await h.dialect.retrieveRun(threadID: thread, runID: "resp_nope", context: h.context)
                }
                #expect(run?.isNotFound == true && run?.kind == .rejected)
                let message = await upstreamError { () async throws(UpstreamAPIError) in
                    try await h.dialect.retrieveMessage(threadID: thread, messageID: "msg_nope", context: h.context)
                }
                #expect(message?.isNotFound == true)
                let conversation = await upstreamError { () async throws(UpstreamAPIError) in
                    try await h.dialect.listMessages(threadID: "conv_nope", page: PageRequest(), runID: nil, context: h.context)
                }
                #expect(conversation?.isNotFound == true && conversation?.message.contains("conv_nope") == true)
                let modify = await upstreamError { () async throws(UpstreamAPIError) in
                    try await h.dialect.modifyThread(id: "conv_nope", metadata: [:], context: h.context)
                }
                #expect(modify?.isNotFound == true)
            }
        }

        @Test func aRunOfAnotherThreadIsNotFound() async throws {
            try await withResponses { h async throws in
                let thread = try await h.thread(saying: "hi")
                let other = try await h.thread(saying: "there")
                let run = try await h.dialect.createRun(threadID: thread, body: ["assistant_id": "asst_default"], context: h.context)
                let error = await upstreamError { () async throws(UpstreamAPIError) in
                    try await h.dialect.retrieveRun(threadID: other, runID: run.id, context: h.context)
                }
                #expect(error?.isNotFound == true)
                _ = try await h.waitForRun(thread, run.id)
            }
        }

        @Test func wrongKeyIsUnauthorized() async throws {
            try await withResponses { h async throws in
                let dialect = h.dialect { $0.apiKey = "sk-wrong" }
                let error = await upstreamError { () async throws(UpstreamAPIError) in
                    try await dialect.createThread(metadata: [:], messages: [], context: h.context)
                }
                #expect(error?.kind == .rejected && error?.status == 401)
                #expect(error?.isRunActive == false)
            }
        }

        @Test func busyConversationIsRunActive() async throws {
            try await withResponses { h async throws in
                let thread = try await h.thread()
                let run = try await h.dialect.createRun(
                    threadID: thread,
                    body: ["assistant_id": "asst_default", "additional_messages": [["role": "user", "content": "slow [[slow:2000]]"]]],
                    context: h.context)
                let error = await upstreamError { () async throws(UpstreamAPIError) in
                    try await h.dialect.createRun(threadID: thread, body: ["assistant_id": "asst_default"], context: h.context)
                }
                #expect(error?.isRunActive == true && error?.status == 400 && error?.code == "conversation_locked")
                _ = try await h.dialect.cancelRun(threadID: thread, runID: run.id, context: h.context)
            }
        }

        @Test func unknownAssistantAndOversizedMetadataAreRefused() async throws {
            try await withResponses { h async throws in
                let thread = try await h.thread(saying: "hi")
                let error = await upstreamError { () async throws(UpstreamAPIError) in
                    try await h.dialect.createRun(threadID: thread, body: ["assistant_id": "asst_unknown"], context: h.context)
                }
                #expect(error?.kind == .rejected && error?.status == 400 && error?.param == "assistant_id")
                #expect(error?.message.contains("asst_unknown") == true)
                var metadata = JSONObject()
                for index in 0..<16 { metadata["k\(index)"] = "v" }
                let full = await upstreamError { () async throws(UpstreamAPIError) in
                    try await h.dialect.createRun(
                        threadID: thread, body: ["assistant_id": "asst_default", "metadata": .object(metadata)], context: h.context)
                }
                #expect(full?.status == 400 && full?.param == "metadata")
            }
        }

        @Test func unreachableUpstream() async throws {
            try await withResponses { h async throws in
                let dialect = h.dialect { $0.baseURL = "http://127.0.0.1:1/v1" }
                let error = await upstreamError { () async throws(UpstreamAPIError) in
                    try await dialect.deleteThread(id: "conv_1", context: h.context)
                }
                #expect(error?.kind == .unreachable)
            }
        }
    }
}
