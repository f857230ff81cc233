import JSON
import Simulator
import Testing
import TestSupport

extension SimHarness {
    /// Polls the response until it is neither queued nor in progress.
    func waitForResponse(_ id: String, timeout: Int64 = 5000) async throws -> JSONValue {
        let deadline = monotonicMillis() + timeout
        while true {
            let response = try await json("GET", "/v1/responses/\(id)")
            let status = response["status"]?.stringValue ?? ""
            if !["queued", "in_progress"].contains(status) || monotonicMillis() > deadline { return response }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    func conversation() async throws -> String {
        try await json("POST", "/v1/conversations", [:])["id"]!.stringValue!
    }
}

let weatherTools: JSONValue = [
    ["type": "function", "name": "get_weather", "parameters": ["type": "object", "properties": [:]], "strict": false],
    ["type": "function", "name": "get_time", "parameters": ["type": "object", "properties": [:]], "strict": false],
]

extension SimulatorSocketTests {
    @Suite struct Responses {
        @Test func foregroundResponseAnswersWhenDone() async throws {
            try await withSimulator { sim in
                let response = try await sim.call(
                    "POST", "/v1/responses", ["model": "gpt-4o", "input": "hello there", "metadata": ["k": "v"]], beta: false)
                #expect(response.status == 200)
                let json = response.json
                #expect(json["id"]?.stringValue?.hasPrefix("resp_") == true)
                #expect(json["object"] == "response")
                #expect(json["status"] == "completed")
                #expect(json["background"] == false)
                #expect(json["output_text"] == nil)
                #expect(json["conversation"] == .null)
                #expect(json["metadata"] == ["k": "v"])
                #expect(json["output"]?[0]?["type"] == "message")
                #expect(json["output"]?[0]?["role"] == "assistant")
                #expect(json["output"]?[0]?["content"]?[0]?["type"] == "output_text")
                #expect(json["output"]?[0]?["content"]?[0]?["text"] == "Echo: hello there")
                let usage = json["usage"]!
                #expect(usage["total_tokens"]?.intValue == (usage["input_tokens"]?.intValue ?? 0) + (usage["output_tokens"]?.intValue ?? 0))
                #expect(response.millis >= 40)
                let id = json["id"]!.stringValue!
                let inputs = try await sim.json("GET", "/v1/responses/\(id)/input_items")
                #expect(inputs["data"]?[0]?["content"]?[0]?["text"] == "hello there")
                let cancel = try await sim.call("POST", "/v1/responses/\(id)/cancel")
                #expect(cancel.status == 400)
                #expect(cancel.error?["message"] == "Cannot cancel a synchronous response.")
                #expect(try await sim.json("DELETE", "/v1/responses/\(id)") == ["id": .string(id), "object": "response", "deleted": true])
                #expect(try await sim.call("GET", "/v1/responses/\(id)").status == 404)
            }
        }

        @Test func backgroundResponseInConversationCompletesAndAddsItems() async throws {
            // Runs long enough that the second request finds the first still going, however
            // slow the build (sanitizers) or the machine.
            try await withSimulator(timing: RunTiming(queuedMillis: 10, workMillis: 1500, cancelMillis: 10)) { sim in
                let conversation = try await sim.conversation()
                let created = try await sim.json(
                    "POST", "/v1/responses",
                    ["model": "gpt-4o", "conversation": .string(conversation), "input": "first question", "background": true])
                #expect(created["status"] == "queued")
                #expect(created["background"] == true)
                #expect(created["conversation"] == ["id": .string(conversation)])
                let id = created["id"]!.stringValue!
                let busy = try await sim.call(
                    "POST", "/v1/responses", ["conversation": ["id": .string(conversation)], "input": "second"])
                #expect(busy.status == 400)
                #expect(busy.error?["message"] == .string("Another response is already in progress for conversation \(conversation)."))
                #expect(busy.error?["code"] == "conversation_locked")
                let done = try await sim.waitForResponse(id)
                #expect(done["status"] == "completed")
                #expect(done["completed_at"]?.intValue != nil)
                let items = try await sim.json("GET", "/v1/conversations/\(conversation)/items?order=asc")
                #expect(items["data"]?.arrayValue?.map { $0["role"]!.stringValue! } == ["user", "assistant"])
                #expect(items["data"]?[1]?["content"]?[0]?["text"] == "Echo: first question")
                let second = try await sim.json("POST", "/v1/responses", ["conversation": .string(conversation), "input": "again"])
                #expect(second["status"] == "completed")
                #expect(try await sim.json("GET", "/v1/conversations/\(conversation)/items").ids.count == 4)
                let stats = try await sim.stats()
                #expect(stats["responses_created"] == 2)
                #expect(stats["conversation_busy_400"] == 1)
                #expect(stats["requests"]?["by_route"]?["POST /v1/responses"]?["200"] == 2)
            }
        }

        @Test(arguments: [
            ("[[fail]] boom", "failed"), ("[[expire]] late", "failed"), ("[[cancel]] stop", "cancelled"),
            ("[[incomplete]] one two three four", "incomplete"),
        ])
        func markersEndBackgroundResponses(text: String, status: String) async throws {
            try await withSimulator { sim in
                let conversation = try await sim.conversation()
                let id = try await sim.json(
                    "POST", "/v1/responses", ["conversation": .string(conversation), "input": .string(text), "background": true])["id"]!
                    .stringValue!
                let done = try await sim.waitForResponse(id)
                #expect(done["status"] == .string(status))
                switch status {
                case "failed":
                    #expect(done["error"]?["code"] == "server_error")
                    #expect(done["usage"] == .null)
                case "incomplete":
                    #expect(done["incomplete_details"] == ["reason": "max_output_tokens"])
                    #expect(done["output"]?[0]?["status"] == "incomplete")
                default:
                    #expect(done["error"] == .null)
                }
                let items = try await sim.json("GET", "/v1/conversations/\(conversation)/items").ids.count
                #expect(items == (status == "incomplete" ? 2 : 0))
                // The conversation is free again.
                #expect(try await sim.json("POST", "/v1/responses", ["conversation": .string(conversation), "input": "ok"])["status"] == "completed")
            }
        }

        @Test func cancelBackgroundResponse() async throws {
            try await withSimulator(timing: RunTiming(queuedMillis: 10, workMillis: 2000)) { sim in
                let conversation = try await sim.conversation()
                let id = try await sim.json(
                    "POST", "/v1/responses", ["conversation": .string(conversation), "input": "long", "background": true])["id"]!
                    .stringValue!
                let cancelled = try await sim.json("POST", "/v1/responses/\(id)/cancel")
                #expect(cancelled["status"] == "cancelled")
                #expect(try await sim.json("POST", "/v1/responses/\(id)/cancel")["status"] == "cancelled")
                #expect(try await sim.json("GET", "/v1/responses/\(id)")["status"] == "cancelled")
                #expect(try await sim.json("GET", "/v1/conversations/\(conversation)/items").ids.isEmpty)
                #expect(try await sim.stats()["response_cancel_requests"] == 2)
            }
        }

        @Test func functionCallRoundTripWithTwoParallelCalls() async throws {
            try await withSimulator { sim in
                let conversation = try await sim.conversation()
                let first = try await sim.json(
                    "POST", "/v1/responses",
                    ["conversation": .string(conversation), "input": "get_weather and get_time please", "tools": weatherTools])
                #expect(first["status"] == "completed")
                let calls = first["output"]!.arrayValue!
                #expect(calls.map { $0["type"]!.stringValue! } == ["function_call", "function_call"])
                #expect(calls.map { $0["name"]!.stringValue! } == ["get_weather", "get_time"])
                #expect(calls.allSatisfy { $0["id"]!.stringValue!.hasPrefix("fc_") && $0["call_id"]!.stringValue!.hasPrefix("call_") })
                let arguments = try JSONValue(parsing: calls[0]["arguments"]!.stringValue!)
                #expect(arguments == ["query": "get_weather and get_time please"])
                let outputs: [JSONValue] = [
                    ["type": "function_call_output", "call_id": calls[0]["call_id"]!, "output": "sunny"],
                    ["type": "function_call_output", "call_id": calls[1]["call_id"]!, "output": "noon"],
                ]
                let second = try await sim.json(
                    "POST", "/v1/responses", ["conversation": .string(conversation), "input": .array(outputs), "tools": weatherTools])
                #expect(second["output"]?[0]?["type"] == "message")
                #expect(
                    second["output"]?[0]?["content"]?[0]?["text"]
                        == "Echo: get_weather and get_time please | tool outputs: get_weather=sunny, get_time=noon")
                let items = try await sim.json("GET", "/v1/conversations/\(conversation)/items?order=asc")
                #expect(
                    items["data"]?.arrayValue?.map { $0["type"]!.stringValue! } == [
                        "message", "function_call", "function_call", "function_call_output", "function_call_output", "message",
                    ])
                // Without a conversation: previous_response_id carries the context.
                let chained = try await sim.json(
                    "POST", "/v1/responses", ["previous_response_id": first["id"]!, "input": .array(outputs), "tools": weatherTools])
                #expect(chained["output"]?[0]?["content"]?[0]?["text"] == second["output"]?[0]?["content"]?[0]?["text"])
            }
        }

        static let textOrder = [
            "response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
            "response.output_text.delta", "response.output_text.delta", "response.output_text.delta",
            "response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed",
        ]

        @Test func streamSendsTheDocumentedOrder() async throws {
            try await withSimulator { sim in
                let response = try await sim.call("POST", "/v1/responses", ["input": "stream me please", "stream": true])
                #expect(response.status == 200)
                #expect(response["content-type"]?.hasPrefix("text/event-stream") == true)
                let events = response.events
                #expect(events.map(\.name) == Self.textOrder)
                #expect(!response.text.contains("[DONE]"))
                let data = events.compactMap { try? JSONValue(parsing: $0.data) }
                #expect(data.map { $0["sequence_number"]!.intValue! } == Array(0..<events.count))
                #expect(data.map { $0["type"]!.stringValue! } == Self.textOrder)
                #expect(data[0]["response"]?["status"] == "in_progress")
                let deltas = data.filter { $0["type"] == "response.output_text.delta" }.map { $0["delta"]!.stringValue! }
                #expect(deltas.joined() == "Echo: stream me please")
                #expect(data.last?["response"]?["status"] == "completed")
            }
        }

        @Test func streamOfFunctionCallsAndFailure() async throws {
            try await withSimulator { sim in
                let calls = try await sim.call(
                    "POST", "/v1/responses", ["input": "get_weather", "tools": weatherTools, "stream": true])
                #expect(
                    calls.events.map(\.name) == [
                        "response.created", "response.in_progress", "response.output_item.added",
                        "response.function_call_arguments.delta", "response.function_call_arguments.delta",
                        "response.function_call_arguments.done", "response.output_item.done", "response.completed",
                    ])
                let failed = try await sim.call("POST", "/v1/responses", ["input": "[[fail]]", "stream": true])
                #expect(failed.events.map(\.name) == ["response.created", "response.in_progress", "response.failed"])
            }
        }

        @Test func backgroundStreamResumesAfterSequenceNumber() async throws {
            try await withSimulator { sim in
                let streamed = try await sim.call("POST", "/v1/responses", ["input": "resume me", "background": true, "stream": true])
                let names = streamed.events.map(\.name)
                #expect(Array(names.prefix(3)) == ["response.created", "response.queued", "response.in_progress"])
                let id = try JSONValue(parsing: streamed.events[0].data)["response"]!["id"]!.stringValue!
                let resumed = try await sim.call("GET", "/v1/responses/\(id)?stream=true&starting_after=4")
                let sequence = resumed.events.compactMap { try? JSONValue(parsing: $0.data)["sequence_number"]?.intValue }
                #expect(sequence.first == 5)
                #expect(resumed.events.map(\.name) == Array(names.dropFirst(5)))
            }
        }
    }
}
