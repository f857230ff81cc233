import AssistantsV2
import JSON
import Testing

extension AssistantsSocketTests {
    @Suite struct ThreadsAndMessages {
        @Test func threadLifecycleAndMetadataRoundTrip() async throws {
            try await withAssistants { h async throws in
                // 16 pairs at the limits: 64-character keys, 512-character values, non-ASCII text.
                var metadata = Metadata()
                for index in 0..<15 { metadata["key\(index)"] = "välue \(index) ✓" }
                metadata[String(repeating: "k", count: 64)] = String(repeating: "é", count: 512)
                let created = try await h.client.createThread(CreateThreadRequest(
                    messages: [.user("first"), CreateMessageRequest(role: .assistant, content: .text("second"))],
                    metadata: metadata))
                let thread = created.value
                #expect(thread.id.hasPrefix("thread_"))
                #expect(thread.metadata == metadata)
                #expect(thread.metadata.keys == metadata.keys, "order kept")
                #expect(thread.createdAt != nil)

                let fetched = try await h.client.retrieveThread(id: thread.id).value
                #expect(fetched.metadata == metadata)
                #expect(fetched.raw == thread.raw)

                let modified = try await h.client.modifyThread(id: thread.id, ModifyThreadRequest(metadata: ["owner": "user_1"])).value
                #expect(modified.metadata == ["owner": "user_1"])
                #expect(try await h.client.retrieveThread(id: thread.id).value.metadata == ["owner": "user_1"])

                let messages = try await h.client.listMessages(threadID: thread.id, ListParameters(order: .asc)).value
                #expect(messages.data.map(\.text) == ["first", "second"])
                #expect(messages.data.map(\.role) == [.user, .assistant])

                let deleted = try await h.client.deleteThread(id: thread.id).value
                #expect(deleted.deleted && deleted.id == thread.id)
                let gone = await assistantsError { () async throws(AssistantsError) in try await h.client.retrieveThread(id: thread.id) }
                #expect(gone?.status == 404)
                #expect(gone?.message == "No thread found with id '\(thread.id)'.")
            }
        }

        @Test func messagesCreateRetrieveAndPaginateBothWays() async throws {
            try await withAssistants { h async throws in
                let thread = try await h.client.createThread().value.id
                var ids: [String] = []
                for index in 0..<7 {
                    let message = try await h.client.createMessage(
                        threadID: thread, .user("message \(index)", metadata: ["n": String(index)])).value
                    #expect(message.role == .user && message.threadID == thread && message.text == "message \(index)")
                    #expect(message.metadata["n"] == String(index))
                    ids.append(message.id)
                }
                let retrieved = try await h.client.retrieveMessage(threadID: thread, messageID: ids[3]).value
                #expect(retrieved.text == "message 3")
                #expect(retrieved.status == .completed)

                // Default order is newest first, page size 20.
                let firstPage = try await h.client.listMessages(threadID: thread).value
                #expect(firstPage.ids == ids.reversed())
                #expect(!firstPage.hasMore)

                for order in [ListOrder.asc, .desc] {
                    let expected = order == .asc ? ids : ids.reversed()
                    let forward = try await collectForward(limit: 3, order: order) { page throws(AssistantsError) in
                        try await h.client.listMessages(threadID: thread, page).value
                    }
                    #expect(forward == expected, "\(order) forward")
                    let backward = try await collectBackward(limit: 2, order: order, from: expected.last!) { page throws(AssistantsError) in
                        try await h.client.listMessages(threadID: thread, page).value
                    }
                    #expect(backward == expected, "\(order) backward")
                }
                // `after` and `before` together give the window between them.
                let window = try await h.client.listMessages(
                    threadID: thread, ListParameters(limit: 10, order: .asc, after: ids[1], before: ids[5])).value
                #expect(window.ids == Array(ids[2..<5]))
            }
        }

        @Test func messageContentParts() async throws {
            try await withAssistants { h async throws in
                let thread = try await h.client.createThread().value.id
                let message = try await h.client.createMessage(threadID: thread, CreateMessageRequest(
                    role: .user,
                    content: .parts([
                        ["type": "text", "text": "look"], ["type": "image_url", "image_url": ["url": "https://example.com/a.png"]],
                    ]))).value
                #expect(message.content.map(\.type) == ["text", "image_url"])
                #expect(message.text == "look")
                #expect(message.content[1].raw["image_url"]?["url"] == "https://example.com/a.png")
            }
        }
    }
}
