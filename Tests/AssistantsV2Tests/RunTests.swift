import AssistantsV2
import JSON
import Simulator
import Testing

extension AssistantsSocketTests {
    @Suite struct Runs {
        @Test func runWithAdditionalMessagesCompletes() async throws {
            try await withAssistants { h async throws in
                let thread = try await h.client.createThread(CreateThreadRequest(metadata: ["owner": "u1"])).value.id
                let created = try await h.client.createRun(threadID: thread, CreateRunRequest(
                    assistantID: "asst_default", instructions: "Echo it.", additionalMessages: [.user("hello run")],
                    metadata: ["turn": "1"]))
                #expect(created.attempts == 1)
                #expect(created.pollAfter == .milliseconds(25))
                let run = created.value
                #expect(run.status == .queued)
                #expect(run.threadID == thread && run.assistantID == "asst_default")
                #expect(run.instructions == "Echo it.")
                #expect(run.metadata == ["turn": "1"])
                #expect(run.expiresAt == run.createdAt.map { $0 + 600 })

                let done = try await h.waitForRun(thread, run.id)
                #expect(done.status == .completed)
                #expect(done.expiresAt == nil && done.completedAt != nil && done.startedAt != nil)
                #expect((done.usage?.totalTokens ?? 0) > 0)
                #expect(done.usage?.totalTokens == (done.usage?.promptTokens ?? 0) + (done.usage?.completionTokens ?? 0))

                let replies = try await h.client.listMessages(threadID: thread, runID: run.id).value
                #expect(replies.data.map(\.text) == ["Echo: hello run"])
                #expect(replies.data.first?.role == .assistant && replies.data.first?.runID == run.id)
                let all = try await h.client.listMessages(threadID: thread, ListParameters(order: .asc)).value
                #expect(all.data.map(\.text) == ["hello run", "Echo: hello run"])

                let runs = try await h.client.listRuns(threadID: thread).value
                #expect(runs.ids == [run.id])
                #expect(runs.data.first?.status == .completed)

                let steps = try await h.client.listRunSteps(threadID: thread, runID: run.id).value
                #expect(steps.data.map(\.type) == ["message_creation"])
                let step = try await h.client.retrieveRunStep(threadID: thread, runID: run.id, stepID: steps.ids[0]).value
                #expect(step.status == .completed)
                #expect(step.messageID == replies.ids.first)
                #expect(step.runID == run.id)
            }
        }

        @Test func createThreadAndRun() async throws {
            try await withAssistants { h async throws in
                let run = try await h.client.createThreadAndRun(CreateThreadAndRunRequest(
                    assistantID: "asst_default",
                    thread: CreateThreadRequest(messages: [.user("together")], metadata: ["owner": "u2"]), metadata: ["k": "v"])
                ).value
                let thread = try #require(run.threadID)
                #expect(try await h.client.retrieveThread(id: thread).value.metadata == ["owner": "u2"])
                let done = try await h.waitForRun(thread, run.id)
                #expect(done.status == .completed && done.metadata == ["k": "v"])
                let reply = try await h.client.listMessages(threadID: thread, ListParameters(limit: 1)).value
                #expect(reply.data.first?.text == "Echo: together")
            }
        }

        @Test func cancelAnInProgressRun() async throws {
            try await withAssistants { h async throws in
                let thread = try await h.thread(saying: "take your time [[slow:3000]]")
                let run = try await h.client.createRun(threadID: thread, CreateRunRequest(assistantID: "asst_default")).value
                let cancelling = try await h.client.cancelRun(threadID: thread, runID: run.id)
                #expect(cancelling.value.status == .cancelling)
                #expect(cancelling.pollAfter == .milliseconds(25))
                let done = try await h.waitForRun(thread, run.id)
                #expect(done.status == .cancelled && done.cancelledAt != nil)
                let again = await assistantsError { () async throws(AssistantsError) in
                    try await h.client.cancelRun(threadID: thread, runID: run.id)
                }
                #expect(again?.status == 400)
                #expect(again?.message == "Cannot cancel run with status 'cancelled'.")
            }
        }

        @Test func toolRoundTripWithTwoParallelCallsAndTwoRounds() async throws {
            try await withAssistants { h async throws in
                let thread = try await h.thread(saying: "get_weather and get_time [[rounds:2]]")
                let run = try await h.client.createRun(threadID: thread, CreateRunRequest(assistantID: "asst_tools")).value
                for round in 0..<2 {
                    let waiting = try await h.waitForRun(thread, run.id)
                    #expect(waiting.status == .requiresAction, "round \(round)")
                    #expect(waiting.requiredAction?.type == "submit_tool_outputs")
                    let calls = waiting.toolCalls
                    #expect(calls.map(\.functionName) == ["get_weather", "get_time"])
                    #expect(calls.allSatisfy { $0.type == "function" && $0.id.hasPrefix("call_") })
                    let arguments = try JSONValue(parsing: calls[0].arguments)
                    #expect(arguments["query"] == "get_weather and get_time")
                    let resumed = try await h.client.submitToolOutputs(threadID: thread, runID: run.id, [
                        ToolOutput(toolCallID: calls[0].id, output: "sunny\(round)"),
                        ToolOutput(toolCallID: calls[1].id, output: "noon\(round)"),
                    ])
                    #expect(resumed.value.status == .queued)
                    #expect(resumed.value.requiredAction == nil)
                }
                let done = try await h.waitForRun(thread, run.id)
                #expect(done.status == .completed)
                let reply = try await h.client.listMessages(threadID: thread, runID: run.id).value
                #expect(
                    reply.data.first?.text
                        == "Echo: get_weather and get_time | tool outputs: get_weather=sunny0, get_time=noon0, get_weather=sunny1, get_time=noon1"
                )
                let steps = try await h.client.listRunSteps(threadID: thread, runID: run.id, ListParameters(order: .asc)).value
                #expect(steps.data.map(\.type) == ["tool_calls", "tool_calls", "message_creation"])
                #expect(steps.data[0].toolCalls.map(\.output) == ["sunny0", "noon0"])
                #expect(steps.data[1].toolCalls.map(\.functionName) == ["get_weather", "get_time"])
            }
        }

        @Test func runToolsOverrideTheAssistants() async throws {
            try await withAssistants { h async throws in
                let thread = try await h.client.createThread().value.id
                let run = try await h.client.createRun(threadID: thread, CreateRunRequest(
                    assistantID: "asst_default", additionalMessages: [.user("what is get_time now")],
                    tools: [.function(name: "get_time", parameters: ["type": "object", "properties": [:]])])).value
                #expect(run.tools.map(\.functionName) == ["get_time"])
                let waiting = try await h.waitForRun(thread, run.id)
                #expect(waiting.status == .requiresAction)
                #expect(waiting.toolCalls.map(\.functionName) == ["get_time"])
                _ = try await h.client.cancelRun(threadID: thread, runID: run.id)
                #expect(try await h.waitForRun(thread, run.id).status == .cancelled)
            }
        }

        @Test(arguments: [("[[fail]]", RunStatus.failed), ("[[expire]]", .expired), ("[[incomplete]]", .incomplete), ("[[cancel]]", .cancelled)])
        func onDemandOutcomes(marker: String, status: RunStatus) async throws {
            try await withAssistants { h async throws in
                let thread = try await h.thread(saying: "a b c d e f \(marker)")
                let run = try await h.client.createRun(threadID: thread, CreateRunRequest(assistantID: "asst_default")).value
                let done = try await h.waitForRun(thread, run.id)
                #expect(done.status == status)
                #expect(done.status.isTerminal)
                switch status {
                case .failed:
                    #expect(done.lastError?.code == "server_error")
                    #expect(done.lastError?.message.isEmpty == false)
                    #expect(done.failedAt != nil)
                case .incomplete:
                    #expect(done.incompleteDetails?.reason == "max_completion_tokens")
                    let reply = try await h.client.listMessages(threadID: thread, runID: run.id).value.data.first
                    #expect(reply?.status == .incomplete)
                    #expect(reply?.text == ReplyRule.truncated("Echo: a b c d e f"))
                default:
                    #expect(done.lastError == nil && done.incompleteDetails == nil)
                }
            }
        }
    }
}
