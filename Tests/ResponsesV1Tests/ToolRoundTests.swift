import JSON
import ResponsesV1
import Testing
import UpstreamAPI

extension ResponsesSocketTests {
    @Suite struct ToolRounds {
        /// The pending calls of a run in `requires_action`.
        static func calls(_ run: UpstreamRun) -> [JSONValue] {
            run.object["required_action"]?["submit_tool_outputs"]?["tool_calls"]?.arrayValue ?? []
        }

        static func outputs(_ calls: [JSONValue], _ values: [String: String]) -> JSONObject {
            let outputs: [JSONValue] = calls.map { call in
                ["tool_call_id": call["id"] ?? .null, "output": .string(values[call["function"]?["name"]?.stringValue ?? ""] ?? "")]
            }
            return ["tool_outputs": .array(outputs)]
        }

        @Test func twoParallelCallsOverTwoRoundsKeepOneRunID() async throws {
            try await withResponses { h async throws in
                let thread = try await h.thread()
                let run = try await h.dialect.createRun(
                    threadID: thread,
                    body: [
                        "assistant_id": "asst_tools",
                        "additional_messages": [["role": "user", "content": "use get_weather and get_time [[rounds:2]]"]],
                        "metadata": ["k": "v"],
                    ],
                    context: h.context)

                let first = try await h.waitForRun(thread, run.id)
                #expect(first.id == run.id && first.status == .requiresAction)
                #expect(first.object["required_action"]?["type"] == "submit_tool_outputs")
                let round1 = Self.calls(first)
                #expect(round1.map { $0["function"]?["name"]?.stringValue ?? "" } == ["get_weather", "get_time"])
                #expect(round1.allSatisfy { $0["type"] == "function" && ($0["id"]?.stringValue ?? "").hasPrefix("call_") })
                #expect(round1.first?["function"]?["arguments"]?.stringValue?.contains("query") == true)
                #expect(first.usage == nil)

                let submitted = try await h.dialect.submitToolOutputs(
                    threadID: thread, runID: run.id, body: Self.outputs(round1, ["get_weather": "sunny", "get_time": "noon"]),
                    context: h.context)
                #expect(submitted.id == run.id && submitted.status == .queued)
                #expect(submitted.object["metadata"] == ["k": "v"] && submitted.object["assistant_id"] == "asst_tools")

                let second = try await h.waitForRun(thread, run.id)
                #expect(second.id == run.id && second.status == .requiresAction)
                let round2 = Self.calls(second)
                #expect(round2.count == 2 && Set(round2.compactMap { $0["id"]?.stringValue }).isDisjoint(with: round1.compactMap { $0["id"]?.stringValue }))
                // Round 1's calls are answered: submitting them again is refused.
                let stale = await upstreamError { () async throws(UpstreamAPIError) in
                    try await h.dialect.submitToolOutputs(
                        threadID: thread, runID: run.id, body: Self.outputs(round1, [:]), context: h.context)
                }
                #expect(stale?.status == 400)
                let partial = await upstreamError { () async throws(UpstreamAPIError) in
                    try await h.dialect.submitToolOutputs(
                        threadID: thread, runID: run.id, body: Self.outputs(Array(round2.prefix(1)), [:]), context: h.context)
                }
                #expect(partial?.status == 400 && partial?.param == "tool_outputs")

                _ = try await h.dialect.submitToolOutputs(
                    threadID: thread, runID: run.id, body: Self.outputs(round2, ["get_weather": "rain", "get_time": "dusk"]),
                    context: h.context)
                let done = try await h.waitForRun(thread, run.id)
                #expect(done.id == run.id && done.status == .completed)
                #expect(done.object["created_at"] == first.object["created_at"])
                let usage = try #require(done.usage)
                #expect((usage["prompt_tokens"]?.intValue ?? 0) > 0 && (usage["completion_tokens"]?.intValue ?? 0) > 0)

                let replies = try await h.dialect.listMessages(threadID: thread, page: PageRequest(), runID: run.id, context: h.context)
                #expect(replies.data.map(\.text) == [
                    "Echo: use get_weather and get_time | tool outputs: get_weather=sunny, get_time=noon, get_weather=rain, get_time=dusk"
                ])
                #expect(try await h.texts(thread).count == 2)

                let steps = try await h.dialect.listRunSteps(
                    threadID: thread, runID: run.id, page: PageRequest(order: "asc"), context: h.context)
                #expect(steps.data.map { $0["type"]?.stringValue ?? "" } == ["tool_calls", "tool_calls", "message_creation"])
                #expect(steps.data.allSatisfy { $0["status"] == "completed" && $0["run_id"] == .string(run.id) })
                let firstStepCalls = steps.data[0]["step_details"]?["tool_calls"]?.arrayValue ?? []
                #expect(firstStepCalls.map { $0["function"]?["output"]?.stringValue ?? "" } == ["sunny", "noon"])
                let stepID = try #require(steps.data[1]["id"]?.stringValue)
                let step = try await h.dialect.retrieveRunStep(threadID: thread, runID: run.id, stepID: stepID, context: h.context)
                #expect(step["step_details"]?["tool_calls"]?[1]?["function"]?["output"] == "dusk")

                // The dialect's pointer lives in the conversation's metadata; changing the
                // thread's metadata keeps it, so the run still resolves.
                try await h.dialect.modifyThread(id: thread, metadata: ["threadgate_owner": "u1", "x": "y"], context: h.context)
                #expect(try await h.dialect.retrieveRun(threadID: thread, runID: run.id, context: h.context).status == .completed)
            }
        }

        @Test func cancelWhileAwaitingToolOutputs() async throws {
            try await withResponses { h async throws in
                let thread = try await h.thread()
                let run = try await h.dialect.createRun(
                    threadID: thread,
                    body: ["assistant_id": "asst_tools", "additional_messages": [["role": "user", "content": "get_time please"]]],
                    context: h.context)
                #expect(try await h.waitForRun(thread, run.id).status == .requiresAction)
                let steps = try await h.dialect.listRunSteps(threadID: thread, runID: run.id, page: PageRequest(), context: h.context)
                #expect(steps.data.map { $0["status"]?.stringValue ?? "" } == ["in_progress"])
                let cancelled = try await h.dialect.cancelRun(threadID: thread, runID: run.id, context: h.context)
                #expect(cancelled.status == .cancelled)
                #expect(try await h.dialect.retrieveRun(threadID: thread, runID: run.id, context: h.context).status == .cancelled)
                let late = await upstreamError { () async throws(UpstreamAPIError) in
                    try await h.dialect.submitToolOutputs(threadID: thread, runID: run.id, body: ["tool_outputs": []], context: h.context)
                }
                #expect(late?.status == 400)
                let next = try await h.dialect.createRun(
                    threadID: thread, body: ["assistant_id": "asst_default", "additional_messages": [["role": "user", "content": "again"]]],
                    context: h.context)
                #expect(try await h.waitForRun(thread, next.id).status == .completed)
            }
        }
    }
}
