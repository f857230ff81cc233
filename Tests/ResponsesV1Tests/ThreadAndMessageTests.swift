import JSON
import ResponsesV1
import Testing
import UpstreamAPI

extension ResponsesSocketTests {
    @Suite struct ThreadsAndMessages {
        @Test func threadIsAConversationWithItsMessagesAndMetadata() async throws {
            try await withResponses { h async throws in
                let thread = try await h.thread(saying: "first", "second", metadata: ["threadgate_owner": "u1", "topic": "a"])
                #expect(thread.hasPrefix("conv_"))
                let conversation = try await h.raw(.get, "/conversations/\(thread)")
                #expect(conversation["metadata"] == ["threadgate_owner": "u1", "topic": "a"])
                #expect(try await h.texts(thread) == ["first", "second"])

                try await h.dialect.modifyThread(id: thread, metadata: ["threadgate_owner": "u1", "topic": "b"], context: h.context)
                #expect(try await h.raw(.get, "/conversations/\(thread)")["metadata"] == ["threadgate_owner": "u1", "topic": "b"])

                try await h.dialect.deleteThread(id: thread, context: h.context)
                let again = await upstreamError { () async throws(UpstreamAPIError) in
                    try await h.dialect.deleteThread(id: thread, context: h.context)
                }
                #expect(again?.isNotFound == true)
            }
        }

        @Test func moreThanTwentyInitialMessagesAreAddedInBatches() async throws {
            try await withResponses { h async throws in
                let texts = (1...45).map { "m\($0)" }
                let thread = try await h.dialect.createThread(
                    metadata: [:], messages: texts.map { ["role": "user", "content": .string($0)] }, context: h.context)
                #expect(try await h.texts(thread) == texts)
            }
        }

        @Test func createAndRetrieveMessageInTheAssistantsShape() async throws {
            try await withResponses { h async throws in
                let thread = try await h.thread()
                let created = try await h.dialect.createMessage(
                    threadID: thread, body: ["role": "user", "content": [["type": "text", "text": "hello"]], "metadata": ["k": "v"]],
                    context: h.context)
                let conversation = try await h.raw(.get, "/conversations/\(thread)")
                #expect(created["object"] == "thread.message")
                #expect(created["thread_id"] == .string(thread))
                #expect(created["role"] == "user" && created["status"] == "completed")
                #expect(created["content"] == [["type": "text", "text": ["value": "hello", "annotations": []]]])
                #expect(created["created_at"] == conversation["created_at"])
                #expect(created["attachments"] == [] && created["metadata"] == [:] && created["run_id"] == .null)
                let id = try #require(created["id"]?.stringValue)
                let retrieved = try await h.dialect.retrieveMessage(threadID: thread, messageID: id, context: h.context)
                #expect(retrieved == created)

                let assistant = try await h.dialect.createMessage(
                    threadID: thread, body: ["role": "assistant", "content": "from the assistant"], context: h.context)
                #expect(assistant["role"] == "assistant" && assistant.text == "from the assistant")
                #expect(try await h.texts(thread) == ["hello", "from the assistant"])
            }
        }

        @Test func functionCallItemsAreNotMessages() async throws {
            try await withResponses { h async throws in
                let thread = try await h.thread(saying: "hi")
                let added = try await h.raw(
                    .post, "/conversations/\(thread)/items",
                    body: ["items": [["type": "function_call", "call_id": "call_1", "name": "f", "arguments": "{}"]]])
                let itemID = try #require(added["data"]?[0]?["id"]?.stringValue)
                let error = await upstreamError { () async throws(UpstreamAPIError) in
                    try await h.dialect.retrieveMessage(threadID: thread, messageID: itemID, context: h.context)
                }
                #expect(error?.isNotFound == true)
            }
        }

        @Test func attachmentsAreRefused() async throws {
            try await withResponses { h async throws in
                let thread = try await h.thread()
                let error = await upstreamError { () async throws(UpstreamAPIError) in
                    try await h.dialect.createMessage(
                        threadID: thread, body: ["role": "user", "content": "x", "attachments": [["file_id": "file_1"]]],
                        context: h.context)
                }
                #expect(error?.kind == .rejected && error?.status == 400 && error?.param == "message.attachments")
            }
        }
    }
}
