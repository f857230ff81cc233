import JSON
import Simulator
import Testing

extension SimulatorSocketTests {
    @Suite struct Streaming {
        static let replyOrder = [
            "thread.run.created", "thread.run.queued", "thread.run.in_progress", "thread.run.step.created",
            "thread.run.step.in_progress", "thread.message.created", "thread.message.in_progress", "thread.message.delta",
            "thread.message.delta", "thread.message.delta", "thread.message.completed", "thread.run.step.completed",
            "thread.run.completed", "done",
        ]

        @Test func createRunStreamsTheDocumentedOrder() async throws {
            try await withSimulator { sim in
                let thread = try await sim.thread(saying: "stream me please")
                let response = try await sim.call(
                    "POST", "/v1/threads/\(thread)/runs", ["assistant_id": "asst_default", "stream": true],
                    headers: [("Accept", "application/json")])
                #expect(response.status == 200)
                #expect(response["content-type"]?.hasPrefix("text/event-stream") == true)
                let events = response.events
                #expect(events.map(\.name) == Self.replyOrder)
                #expect(events.last?.data == "[DONE]")
                let deltas = events.filter { $0.name == "thread.message.delta" }.compactMap {
                    (try? JSONValue(parsing: $0.data))?["delta"]?["content"]?[0]?["text"]?["value"]?.stringValue
                }
                #expect(deltas.joined() == "Echo: stream me please")
                let completed = try JSONValue(parsing: events[12].data)
                #expect(completed["status"] == "completed")
                #expect(response.text.hasSuffix("event: done\ndata: [DONE]\n\n"))
            }
        }

        @Test func streamFollowsTheRunTiming() async throws {
            try await withSimulator { sim in
                let thread = try await sim.thread(saying: "slowly [[slow:400]]")
                let response = try await sim.call(
                    "POST", "/v1/threads/\(thread)/runs", ["assistant_id": "asst_default", "stream": true])
                #expect(response.events.last?.name == "done")
                #expect(response.millis >= 400)
            }
        }

        @Test func toolStreamEndsAtRequiresActionAndSubmitStreamsTheRest() async throws {
            try await withSimulator { sim in
                let first = try await sim.call(
                    "POST", "/v1/threads/runs",
                    [
                        "assistant_id": "asst_tools", "stream": true,
                        "thread": ["messages": [["role": "user", "content": "get_weather and get_time"]]],
                    ])
                let names = first.events.map(\.name)
                #expect(
                    names == [
                        "thread.created", "thread.run.created", "thread.run.queued", "thread.run.in_progress",
                        "thread.run.step.created", "thread.run.step.in_progress", "thread.run.step.delta", "thread.run.step.delta",
                        "thread.run.step.delta", "thread.run.step.delta", "thread.run.requires_action", "done",
                    ])
                let run = try JSONValue(parsing: first.events[10].data)
                #expect(run["status"] == "requires_action")
                let thread = run["thread_id"]!.stringValue!
                let calls = run["required_action"]!["submit_tool_outputs"]!["tool_calls"]!.arrayValue!
                let second = try await sim.call(
                    "POST", "/v1/threads/\(thread)/runs/\(run["id"]!.stringValue!)/submit_tool_outputs",
                    [
                        "stream": true,
                        "tool_outputs": .array(calls.map { ["tool_call_id": $0["id"]!, "output": "ok"] }),
                    ])
                let after = second.events.map(\.name)
                #expect(Array(after.prefix(3)) == ["thread.run.step.completed", "thread.run.queued", "thread.run.in_progress"])
                #expect(Array(after.dropFirst(3)) == Array(Self.replyOrder.dropFirst(3)))
            }
        }

        @Test func clientLeavingMidStreamReleasesTheRun() async throws {
            try await withSimulator { sim in
                // Still in progress when the client has given up and looks, even on a loaded machine.
                let thread = try await sim.thread(saying: "x [[slow:10000]]")
                let cut = try? await sim.call(
                    "POST", "/v1/threads/\(thread)/runs", ["assistant_id": "asst_default", "stream": true], timeout: .milliseconds(200))
                #expect(cut == nil)
                let runs = try await sim.json("GET", "/v1/threads/\(thread)/runs")
                #expect(runs["data"]?[0]?["status"] == "in_progress")
            }
        }
    }
}
