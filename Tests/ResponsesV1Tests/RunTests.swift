import JSON
import ResponsesV1
import Testing
import UpstreamAPI

extension ResponsesSocketTests {
    @Suite struct Runs {
        @Test func runWithAdditionalMessagesCompletes() async throws {
            try await withResponses { h async throws in
                let thread = try await h.thread()
                let created = try await h.dialect.createRun(
                    threadID: thread,
                    body: [
                        "assistant_id": "asst_default", "additional_instructions": "Be brief.",
                        "additional_messages": [["role": "user", "content": "hello run"]], "metadata": ["turn": "1"],
                        "temperature": 0.5,
                    ],
                    context: h.context)
                #expect(created.id.hasPrefix("resp_"))
                #expect(created.status == .queued)
                let object = created.object
                #expect(object["object"] == "thread.run" && object["id"] == .string(created.id))
                #expect(object["thread_id"] == .string(thread) && object["assistant_id"] == "asst_default")
                #expect(object["instructions"] == "Echo it.\n\nBe brief.")
                #expect(object["model"] == "gpt-4o" && object["temperature"] == 0.5)
                #expect(object["metadata"] == ["turn": "1"])
                #expect(object["usage"] == .null && object["required_action"] == .null)

                let done = try await h.waitForRun(thread, created.id)
                #expect(done.status == .completed && done.id == created.id)
                #expect(done.object["completed_at"]?.intValue != nil && done.object["last_error"] == .null)
                let usage = try #require(done.usage)
                #expect((usage["total_tokens"]?.intValue ?? 0) > 0)
                #expect(usage["total_tokens"]?.intValue == (usage["prompt_tokens"]?.intValue ?? 0) + (usage["completion_tokens"]?.intValue ?? 0))

                #expect(try await h.texts(thread) == ["hello run", "Echo: hello run"])
                let replies = try await h.dialect.listMessages(
                    threadID: thread, page: PageRequest(), runID: created.id, context: h.context)
                #expect(replies.data.map(\.text) == ["Echo: hello run"])
                #expect(replies.data.first?["run_id"] == .string(created.id) && replies.data.first?["assistant_id"] == "asst_default")

                let steps = try await h.dialect.listRunSteps(threadID: thread, runID: created.id, page: PageRequest(), context: h.context)
                #expect(steps.data.map { $0["type"]?.stringValue ?? "" } == ["message_creation"])
                let stepID = try #require(steps.firstID)
                let step = try await h.dialect.retrieveRunStep(threadID: thread, runID: created.id, stepID: stepID, context: h.context)
                #expect(step["status"] == "completed" && step["run_id"] == .string(created.id))
                #expect(step["step_details"]?["message_creation"]?["message_id"] == replies.data.first?["id"])
            }
        }

        @Test func runOnTheThreadsOwnMessageFails() async throws {
            try await withResponses { h async throws in
                let thread = try await h.thread(saying: "please [[fail]]")
                let run = try await h.dialect.createRun(threadID: thread, body: ["assistant_id": "asst_default"], context: h.context)
                let done = try await h.waitForRun(thread, run.id)
                #expect(done.status == .failed)
                #expect(done.object["last_error"]?["code"] == "server_error")
                #expect(done.usage == nil)
                #expect(try await h.texts(thread) == ["please [[fail]]"])
            }
        }

        @Test func incompleteRunKeepsHalfTheReply() async throws {
            try await withResponses { h async throws in
                let thread = try await h.thread()
                let run = try await h.dialect.createRun(
                    threadID: thread,
                    body: ["assistant_id": "asst_default", "additional_messages": [["role": "user", "content": "one two three four [[incomplete]]"]]],
                    context: h.context)
                let done = try await h.waitForRun(thread, run.id)
                #expect(done.status == .incomplete)
                #expect(done.object["incomplete_details"] == ["reason": "max_completion_tokens"])
                let replies = try await h.dialect.listMessages(threadID: thread, page: PageRequest(), runID: run.id, context: h.context)
                #expect(replies.data.first?["status"] == "incomplete")
                #expect(replies.data.first.map(\.text) == "Echo: one")
            }
        }

        @Test func cancelActiveRun() async throws {
            try await withResponses { h async throws in
                let thread = try await h.thread()
                let run = try await h.dialect.createRun(
                    threadID: thread,
                    body: ["assistant_id": "asst_default", "additional_messages": [["role": "user", "content": "wait [[slow:3000]]"]]],
                    context: h.context)
                let cancelled = try await h.dialect.cancelRun(threadID: thread, runID: run.id, context: h.context)
                #expect(cancelled.id == run.id && cancelled.status == .cancelled)
                #expect(try await h.dialect.retrieveRun(threadID: thread, runID: run.id, context: h.context).status == .cancelled)
                let again = await upstreamError { () async throws(UpstreamAPIError) in
                    try await h.dialect.cancelRun(threadID: thread, runID: run.id, context: h.context)
                }
                #expect(again?.status == 400)
                // The conversation is free again.
                let next = try await h.dialect.createRun(
                    threadID: thread, body: ["assistant_id": "asst_default", "additional_messages": [["role": "user", "content": "next"]]],
                    context: h.context)
                #expect(try await h.waitForRun(thread, next.id).status == .completed)
            }
        }

        @Test func listRunsAndAssistantWritesAreUnsupported() async throws {
            try await withResponses { h async throws in
                let thread = try await h.thread()
                let runs = await upstreamError { () async throws(UpstreamAPIError) in
                    try await h.dialect.listRuns(threadID: thread, page: PageRequest(), context: h.context)
                }
                #expect(runs?.kind == .unsupported)
                let create = await upstreamError { () async throws(UpstreamAPIError) in
                    try await h.dialect.createAssistant(body: ["model": "gpt-4o"], context: h.context)
                }
                #expect(create?.kind == .unsupported)
                let modify = await upstreamError { () async throws(UpstreamAPIError) in
                    try await h.dialect.modifyAssistant(id: "asst_default", body: [:], context: h.context)
                }
                #expect(modify?.kind == .unsupported)
                let delete = await upstreamError { () async throws(UpstreamAPIError) in
                    try await h.dialect.deleteAssistant(id: "asst_default", context: h.context)
                }
                #expect(delete?.kind == .unsupported)
            }
        }

        @Test func profilesAreTheAssistants() async throws {
            try await withResponses { h async throws in
                let assistant = try await h.dialect.retrieveAssistant(id: "asst_tools", context: h.context)
                #expect(assistant["object"] == "assistant" && assistant["model"] == "gpt-4o-mini")
                #expect(assistant["tools"]?[0] == ["type": "function", "function": ["name": "get_weather", "parameters": ["type": "object"]]])
                #expect(assistant["tools"]?[1] == ["type": "function", "function": ["name": "get_time", "description": "The time of day."]])
                let page = try await h.dialect.listAssistants(page: PageRequest(limit: 1, order: "asc"), context: h.context)
                #expect(page.data.map { $0["id"]?.stringValue ?? "" } == ["asst_default"] && page.hasMore)
                let next = try await h.dialect.listAssistants(page: PageRequest(limit: 1, order: "asc", after: page.lastID), context: h.context)
                #expect(next.data.map { $0["id"]?.stringValue ?? "" } == ["asst_tools"] && !next.hasMore)
                let missing = await upstreamError { () async throws(UpstreamAPIError) in
                    try await h.dialect.retrieveAssistant(id: "asst_nope", context: h.context)
                }
                #expect(missing?.isNotFound == true)
            }
        }
    }
}
