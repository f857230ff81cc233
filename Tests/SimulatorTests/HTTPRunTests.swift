import JSON
import Simulator
import Testing

extension SimulatorSocketTests {
    @Suite struct Runs {
        @Test(arguments: [1, 2])
        func runCompletesWithTheEchoReply(loops: Int) async throws {
            try await withSimulator(loops: loops) { sim in
                let thread = try await sim.thread(saying: "hello simulator")
                let response = try await sim.call("POST", "/v1/threads/\(thread)/runs", ["assistant_id": "asst_default"])
                #expect(response.status == 200)
                #expect(response["openai-poll-after-ms"] == "25")
                let created = response.json
                #expect(created["status"] == "queued")
                #expect(created["expires_at"]?.intValue == (created["created_at"]?.intValue ?? 0) + 600)
                let runID = created["id"]!.stringValue!
                let run = try await sim.waitForRun(thread, runID)
                #expect(run["status"] == "completed")
                #expect(run["expires_at"] == .null)
                #expect(run["started_at"]?.intValue != nil)
                #expect(run["completed_at"]?.intValue != nil)
                #expect(run["usage"]?["total_tokens"]?.intValue ?? 0 > 0)
                let retrieved = try await sim.call("GET", "/v1/threads/\(thread)/runs/\(runID)")
                #expect(retrieved["openai-poll-after-ms"] == "25")
                let messages = try await sim.json("GET", "/v1/threads/\(thread)/messages?run_id=\(runID)")
                #expect(messages["data"]?.arrayValue?.count == 1)
                #expect(messages["data"]?[0]?.messageText == "Echo: hello simulator")
                #expect(messages["data"]?[0]?["assistant_id"] == "asst_default")
                let steps = try await sim.json("GET", "/v1/threads/\(thread)/runs/\(runID)/steps")
                #expect(steps["data"]?[0]?["type"] == "message_creation")
                let stepID = steps["data"]![0]!["id"]!.stringValue!
                #expect(try await sim.json("GET", "/v1/threads/\(thread)/runs/\(runID)/steps/\(stepID)")["status"] == "completed")
                let runs = try await sim.json("GET", "/v1/threads/\(thread)/runs")
                #expect(runs.ids == [runID])
                #expect(try await sim.stats()["runs_created"] == 1)
            }
        }

        @Test func runActive400sAreByteIdenticalAndCounted() async throws {
            // The run stays active far longer than the requests below take, even on a loaded machine.
            try await withSimulator(timing: RunTiming(queuedMillis: 10, workMillis: 10_000)) { sim in
                let thread = try await sim.thread(saying: "busy")
                let runID = try await sim.json("POST", "/v1/threads/\(thread)/runs", ["assistant_id": "asst_default"])["id"]!
                    .stringValue!
                let message = try await sim.call("POST", "/v1/threads/\(thread)/messages", ["role": "user", "content": "again"])
                #expect(message.status == 400)
                #expect(
                    message.text
                        == #"{"error":{"message":"Can't add messages to \#(thread) while a run \#(runID) is active.","type":"invalid_request_error","param":null,"code":null}}"#
                )
                let run = try await sim.call("POST", "/v1/threads/\(thread)/runs", ["assistant_id": "asst_default"])
                #expect(run.status == 400)
                #expect(
                    run.text
                        == #"{"error":{"message":"Thread \#(thread) already has an active run \#(runID).","type":"invalid_request_error","param":null,"code":null}}"#
                )
                let stats = try await sim.stats()
                #expect(stats["run_active_400"] == ["total": 2, "add_message": 1, "create_run": 1])
                #expect(stats["requests"]?["by_status"]?["400"] == 2)
            }
        }

        @Test func toolRoundTripWithTwoParallelCallsAndTwoRounds() async throws {
            try await withSimulator { sim in
                let thread = try await sim.thread(saying: "get_weather and get_time [[rounds:2]]")
                let runID = try await sim.json("POST", "/v1/threads/\(thread)/runs", ["assistant_id": "asst_tools"])["id"]!
                    .stringValue!
                for round in 0..<2 {
                    let run = try await sim.waitForRun(thread, runID)
                    #expect(run["status"] == "requires_action", "round \(round)")
                    let calls = run["required_action"]?["submit_tool_outputs"]?["tool_calls"]?.arrayValue ?? []
                    #expect(calls.count == 2)
                    #expect(calls.map { $0["function"]?["name"]?.stringValue } == ["get_weather", "get_time"])
                    let partial = try await sim.call(
                        "POST", "/v1/threads/\(thread)/runs/\(runID)/submit_tool_outputs",
                        ["tool_outputs": [["tool_call_id": calls[0]["id"]!, "output": "x"]]])
                    #expect(partial.status == 400)
                    #expect(partial.error?["message"]?.stringValue?.hasPrefix("Expected tool outputs for call_ids") == true)
                    let outputs: [JSONValue] = [
                        ["tool_call_id": calls[0]["id"]!, "output": .string("sunny\(round)")],
                        ["tool_call_id": calls[1]["id"]!, "output": .string("noon\(round)")],
                    ]
                    let resumed = try await sim.call(
                        "POST", "/v1/threads/\(thread)/runs/\(runID)/submit_tool_outputs", ["tool_outputs": .array(outputs)])
                    #expect(resumed.status == 200)
                    #expect(resumed.json["status"] == "queued")
                    #expect(resumed["openai-poll-after-ms"] == "25")
                }
                let run = try await sim.waitForRun(thread, runID)
                #expect(run["status"] == "completed")
                let reply = try await sim.json("GET", "/v1/threads/\(thread)/messages?limit=1")["data"]![0]!
                #expect(
                    reply.messageText
                        == "Echo: get_weather and get_time | tool outputs: get_weather=sunny0, get_time=noon0, get_weather=sunny1, get_time=noon1"
                )
                let steps = try await sim.json("GET", "/v1/threads/\(thread)/runs/\(runID)/steps?order=asc")
                #expect(steps["data"]?.arrayValue?.map { $0["type"]?.stringValue } == ["tool_calls", "tool_calls", "message_creation"])
            }
        }

        @Test func cancelAnInProgressRun() async throws {
            try await withSimulator { sim in
                let thread = try await sim.thread(saying: "take your time [[slow:3000]]")
                let runID = try await sim.json("POST", "/v1/threads/\(thread)/runs", ["assistant_id": "asst_default"])["id"]!
                    .stringValue!
                let cancelling = try await sim.json("POST", "/v1/threads/\(thread)/runs/\(runID)/cancel")
                #expect(cancelling["status"] == "cancelling")
                let run = try await sim.waitForRun(thread, runID)
                #expect(run["status"] == "cancelled")
                #expect(run["cancelled_at"]?.intValue != nil)
                let again = try await sim.call("POST", "/v1/threads/\(thread)/runs/\(runID)/cancel")
                #expect(again.status == 400)
                #expect(again.error?["message"] == "Cannot cancel run with status 'cancelled'.")
                // The thread is free again.
                #expect(try await sim.call("POST", "/v1/threads/\(thread)/messages", ["role": "user", "content": "ok"]).status == 200)
            }
        }

        @Test(arguments: [("[[fail]]", "failed"), ("[[expire]]", "expired"), ("[[incomplete]]", "incomplete"), ("[[cancel]]", "cancelled")])
        func onDemandOutcomes(marker: String, status: String) async throws {
            try await withSimulator { sim in
                let thread = try await sim.thread(saying: "a b c d e f \(marker)")
                let runID = try await sim.json("POST", "/v1/threads/\(thread)/runs", ["assistant_id": "asst_default"])["id"]!
                    .stringValue!
                let run = try await sim.waitForRun(thread, runID)
                #expect(run["status"]?.stringValue == status)
                if status == "failed" { #expect(run["last_error"]?["code"] == "server_error") }
                if status == "incomplete" { #expect(run["incomplete_details"] == ["reason": "max_completion_tokens"]) }
            }
        }

        @Test func createThreadAndRun() async throws {
            try await withSimulator { sim in
                let run = try await sim.json(
                    "POST", "/v1/threads/runs",
                    [
                        "assistant_id": "asst_default", "metadata": ["k": "v"],
                        "thread": ["metadata": ["owner": "u"], "messages": [["role": "user", "content": "together"]]],
                    ])
                let thread = run["thread_id"]!.stringValue!
                #expect(try await sim.json("GET", "/v1/threads/\(thread)")["metadata"] == ["owner": "u"])
                let done = try await sim.waitForRun(thread, run["id"]!.stringValue!)
                #expect(done["status"] == "completed")
                #expect(done["metadata"] == ["k": "v"])
                #expect(try await sim.json("GET", "/v1/threads/\(thread)/messages?limit=1")["data"]?[0]?.messageText == "Echo: together")
            }
        }

        @Test func preloadedAssistantsFromConfiguration() async throws {
            let custom = object(#"{"id":"asst_file","model":"gpt-4o","name":"From file","tools":[{"type":"function","function":{"name":"lookup"}}]}"#)
            try await withSimulator(assistants: [custom]) { sim in
                #expect(try await sim.json("GET", "/v1/assistants/asst_file")["name"] == "From file")
                let thread = try await sim.thread(saying: "lookup it")
                let runID = try await sim.json("POST", "/v1/threads/\(thread)/runs", ["assistant_id": "asst_file"])["id"]!.stringValue!
                #expect(try await sim.waitForRun(thread, runID)["status"] == "requires_action")
            }
        }
    }
}
