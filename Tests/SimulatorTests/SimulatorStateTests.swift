import JSON
import Simulator
import Testing

/// The simulator core with time passed in: no sockets, no sleeps.
@Suite struct SimulatorStateTests {
    let t0: Int64 = 1_700_000_000_000
    let timing = RunTiming(queuedMillis: 50, workMillis: 200, cancelMillis: 30)

    func makeState() -> SimulatorState { SimulatorState(seed: 42, timing: timing, now: t0) }

    /// A thread with one user message saying `text`.
    func thread(_ state: inout SimulatorState, saying text: String) throws -> String {
        let body = JSONObject([("messages", JSONValue.array([["role": "user", "content": .string(text)]]))])
        return try state.createThread(body, now: t0)["id"]!.string!
    }

    // MARK: Threads and messages

    @Test func threadWithMetadataAndInitialMessages() throws {
        var state = makeState()
        let created = try state.createThread(
            object(#"{"metadata":{"owner":"u1"},"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"text","text":"yo"}]}]}"#),
            now: t0)
        let id = created["id"]!.string!
        #expect(id.hasPrefix("thread_"))
        #expect(created["object"] == "thread")
        #expect(created["created_at"]?.int == Int(t0 / 1000))
        #expect(created["metadata"] == ["owner": "u1"])
        #expect(created["tool_resources"] == [:])
        let messages = try state.listMessages(threadID: id, ListQuery(order: .asc), now: t0)
        #expect(messages["data"]?.arrayValue?.count == 2)
        #expect(messages["data"]?[0]?.messageText == "hi")
        #expect(messages["data"]?[1]?["role"] == "assistant")
        #expect(messages["data"]?[1]?.messageText == "yo")
        #expect(messages["data"]?[0]?["run_id"] == .null)

        let modified = try state.modifyThread(id, object(#"{"metadata":{"owner":"u2","title":"t"}}"#), now: t0)
        #expect(modified["metadata"] == ["owner": "u2", "title": "t"])
        #expect(try state.deleteThread(id) == ["id": .string(id), "object": "thread.deleted", "deleted": true])
        let gone = simulatorError { _ = try state.thread(id, now: t0) }
        #expect(gone?.status == 404)
        #expect(gone?.message == "No thread found with id '\(id)'.")
    }

    @Test func metadataLimits() throws {
        var state = makeState()
        let sixteen = JSONObject((0..<16).map { ("k\($0)", JSONValue.string("v")) })
        #expect(try state.createThread(["metadata": .object(sixteen)], now: t0)["metadata"]?.objectValue?.count == 16)
        let seventeen = JSONObject((0..<17).map { ("k\($0)", JSONValue.string("v")) })
        let tooMany = simulatorError { _ = try state.createThread(["metadata": .object(seventeen)], now: t0) }
        #expect(tooMany?.status == 400)
        #expect(tooMany?.param == "metadata")
        #expect(tooMany?.type == "invalid_request_error")
        #expect(tooMany?.message.contains("at most 16 properties") == true)

        let key64 = String(repeating: "k", count: 64)
        let value512 = String(repeating: "v", count: 512)
        _ = try state.createThread(["metadata": [key64: .string(value512)]], now: t0)
        let longKey = simulatorError { _ = try state.createThread(["metadata": [key64 + "k": "v"]], now: t0) }
        #expect(longKey?.status == 400)
        #expect(longKey?.message.contains("64") == true)
        let longValue = simulatorError { _ = try state.createThread(["metadata": ["k": .string(value512 + "v")]], now: t0) }
        #expect(longValue?.code == "string_above_max_length")
        #expect(longValue?.param == "metadata.k")
        let notString = simulatorError { _ = try state.createThread(["metadata": ["k": 1]], now: t0) }
        #expect(notString?.code == "invalid_type")
    }

    @Test func unknownFieldsAreRejectedAtAnyDepth() throws {
        var state = makeState()
        let top = simulatorError { _ = try state.createThread(object(#"{"bogus":1}"#), now: t0) }
        #expect(top?.message == "Unknown parameter: 'bogus'.")
        #expect(top?.code == "unknown_parameter")
        let threadID = try thread(&state, saying: "x")
        let nested = simulatorError {
            _ = try state.createRun(
                threadID: threadID, object(#"{"assistant_id":"asst_default","additional_messages":[{"role":"user","content":"a","x":1}]}"#),
                now: t0)
        }
        #expect(nested?.param == "additional_messages[0].x")
        let role = simulatorError { _ = try state.createMessage(threadID: threadID, object(#"{"role":"system","content":"a"}"#), now: t0) }
        #expect(role?.message == "Invalid value: 'system'. Supported values are: 'user' and 'assistant'.")
        let missing = simulatorError { _ = try state.createRun(threadID: threadID, [:], now: t0) }
        #expect(missing?.message == "Missing required parameter: 'assistant_id'.")
    }

    @Test func notFoundMessagesNameTheID() throws {
        var state = makeState()
        let threadID = try thread(&state, saying: "x")
        #expect(simulatorError { _ = try state.thread("thread_nope", now: t0) }?.message == "No thread found with id 'thread_nope'.")
        #expect(simulatorError { _ = try state.assistant("asst_nope") }?.message == "No assistant found with id 'asst_nope'.")
        #expect(
            simulatorError { _ = try state.message(threadID: threadID, "msg_nope", now: t0) }?.message
                == "No message found with id 'msg_nope'.")
        #expect(simulatorError { _ = try state.run(threadID: threadID, "run_nope", now: t0) }?.message == "No run found with id 'run_nope'.")
        let noAssistant = simulatorError { _ = try state.createRun(threadID: threadID, ["assistant_id": "asst_nope"], now: t0) }
        #expect(noAssistant?.status == 404)
    }

    // MARK: Pagination

    @Test func paginationBothDirections() throws {
        var state = makeState()
        let threadID = try state.createThread([:], now: t0)["id"]!.string!
        var ids: [String] = []
        for index in 0..<7 {
            ids.append(try state.createMessage(threadID: threadID, ["role": "user", "content": .string("m\(index)")], now: t0)["id"]!.string!)
        }
        let newestFirst = Array(ids.reversed())
        let first = try state.listMessages(threadID: threadID, ListQuery(limit: 3), now: t0)
        #expect(first.ids == Array(newestFirst[0..<3]))
        #expect(first["has_more"] == true)
        #expect(first["first_id"]?.string == newestFirst[0])
        #expect(first["last_id"]?.string == newestFirst[2])
        let second = try state.listMessages(threadID: threadID, ListQuery(limit: 3, after: newestFirst[2]), now: t0)
        #expect(second.ids == Array(newestFirst[3..<6]))
        #expect(second["has_more"] == true)
        let third = try state.listMessages(threadID: threadID, ListQuery(limit: 3, after: newestFirst[5]), now: t0)
        #expect(third.ids == [newestFirst[6]])
        #expect(third["has_more"] == false)
        // Back toward the start with `before`.
        let back = try state.listMessages(threadID: threadID, ListQuery(limit: 3, before: newestFirst[6]), now: t0)
        #expect(back.ids == Array(newestFirst[3..<6]))
        #expect(back["has_more"] == true)
        let backAgain = try state.listMessages(threadID: threadID, ListQuery(limit: 3, before: newestFirst[2]), now: t0)
        #expect(backAgain.ids == Array(newestFirst[0..<2]))
        #expect(backAgain["has_more"] == false)
        // Ascending.
        let ascending = try state.listMessages(threadID: threadID, ListQuery(limit: 4, order: .asc, after: ids[1]), now: t0)
        #expect(ascending.ids == Array(ids[2..<6]))
        #expect(ascending["has_more"] == true)
        let empty = try state.listMessages(threadID: threadID, ListQuery(after: "msg_unknown"), now: t0)
        #expect(empty == ["object": "list", "data": [], "first_id": .null, "last_id": .null, "has_more": false])
        let keys = first.objectValue?.keys
        #expect(keys == ["object", "data", "first_id", "last_id", "has_more"])
    }

    // MARK: Runs

    @Test func runLifecycleThroughTheState() throws {
        var state = makeState()
        let threadID = try thread(&state, saying: "hello there")
        let start = try state.createRun(threadID: threadID, ["assistant_id": "asst_default"], now: t0)
        #expect(!start.stream)
        let created = start.json
        #expect(created["status"] == "queued")
        #expect(created["object"] == "thread.run")
        #expect(created["expires_at"]?.int == Int(t0 / 1000) + 600)
        #expect(created["usage"] == .null)
        #expect(created["started_at"] == .null)
        #expect(created["model"] == "gpt-4o")

        let working = try state.run(threadID: threadID, start.runID, now: t0 + 120)
        #expect(working["status"] == "in_progress")
        #expect(working["started_at"]?.int == Int((t0 + 50) / 1000))
        let partial = try state.listMessages(threadID: threadID, ListQuery(), now: t0 + 120)
        #expect(partial["data"]?[0]?["status"] == "in_progress")
        #expect(partial["data"]?[0]?["role"] == "assistant")

        let done = try state.run(threadID: threadID, start.runID, now: t0 + 300)
        #expect(done["status"] == "completed")
        #expect(done["expires_at"] == .null)
        #expect(done["completed_at"]?.int == Int((t0 + 250) / 1000))
        let usage = done["usage"]!
        #expect(usage["total_tokens"]?.int == (usage["prompt_tokens"]?.int ?? 0) + (usage["completion_tokens"]?.int ?? 0))
        #expect(usage["completion_tokens"]?.int == ReplyRule.tokens("Echo: hello there"))

        let reply = try state.listMessages(threadID: threadID, ListQuery(limit: 1), now: t0 + 300)["data"]![0]!
        #expect(reply.messageText == "Echo: hello there")
        #expect(reply["status"] == "completed")
        #expect(reply["run_id"]?.string == start.runID)
        #expect(reply["assistant_id"] == "asst_default")
        let byRun = try state.listMessages(threadID: threadID, ListQuery(), runID: start.runID, now: t0 + 300)
        #expect(byRun.ids == [reply["id"]!.string!])

        let steps = try state.listSteps(threadID: threadID, runID: start.runID, ListQuery(), now: t0 + 300)
        #expect(steps["data"]?.arrayValue?.count == 1)
        let step = steps["data"]![0]!
        #expect(step["type"] == "message_creation")
        #expect(step["status"] == "completed")
        #expect(step["step_details"]?["message_creation"]?["message_id"] == reply["id"])
        #expect(try state.step(threadID: threadID, runID: start.runID, step["id"]!.string!, now: t0 + 300) == step)
        #expect(state.counters.runsCreated == 1)
    }

    @Test func runActive400sAreByteIdentical() throws {
        var state = makeState()
        let threadID = try thread(&state, saying: "x")
        let runID = try state.createRun(threadID: threadID, ["assistant_id": "asst_default"], now: t0).runID
        let message = simulatorError {
            _ = try state.createMessage(threadID: threadID, ["role": "user", "content": "y"], now: t0 + 100)
        }
        #expect(message == SimulatorError(status: 400, message: "Can't add messages to \(threadID) while a run \(runID) is active."))
        let run = simulatorError { _ = try state.createRun(threadID: threadID, ["assistant_id": "asst_default"], now: t0 + 100) }
        #expect(run == SimulatorError(status: 400, message: "Thread \(threadID) already has an active run \(runID)."))
        #expect(state.counters.runActiveMessageRejections == 1)
        #expect(state.counters.runActiveRunRejections == 1)
        // Once the run ended, both work again.
        _ = try state.createMessage(threadID: threadID, ["role": "user", "content": "y"], now: t0 + 300)
        _ = try state.createRun(threadID: threadID, ["assistant_id": "asst_default"], now: t0 + 300)
    }

    @Test func additionalMessagesAndInstructionOverrides() throws {
        var state = makeState()
        let threadID = try state.createThread([:], now: t0)["id"]!.string!
        let start = try state.createRun(
            threadID: threadID,
            object(#"{"assistant_id":"asst_default","instructions":"be brief","additional_instructions":"really","model":"m2","metadata":{"k":"v"},"additional_messages":[{"role":"user","content":"from run"}]}"#),
            now: t0)
        #expect(start.json["instructions"] == "be brief\nreally")
        #expect(start.json["model"] == "m2")
        #expect(start.json["metadata"] == ["k": "v"])
        _ = try state.run(threadID: threadID, start.runID, now: t0 + 1000)
        let reply = try state.listMessages(threadID: threadID, ListQuery(limit: 1), now: t0 + 1000)["data"]![0]!
        #expect(reply.messageText == "Echo: from run")
    }

    @Test func toolRoundTripWithTwoParallelCalls() throws {
        var state = makeState()
        let threadID = try thread(&state, saying: "use get_weather and get_time please")
        let runID = try state.createRun(threadID: threadID, ["assistant_id": "asst_tools"], now: t0).runID
        let paused = try state.run(threadID: threadID, runID, now: t0 + 260)
        #expect(paused["status"] == "requires_action")
        let calls = paused["required_action"]?["submit_tool_outputs"]?["tool_calls"]?.arrayValue ?? []
        #expect(paused["required_action"]?["type"] == "submit_tool_outputs")
        #expect(calls.count == 2)
        #expect(calls.map { $0["function"]?["name"]?.string } == ["get_weather", "get_time"])
        #expect(calls.allSatisfy { $0["id"]?.string?.hasPrefix("call_") == true && $0["type"] == "function" })
        let arguments = try JSONValue(parsing: calls[0]["function"]!["arguments"]!.string!)
        #expect(arguments == ["query": "use get_weather and get_time please"])
        let ids = calls.map { $0["id"]!.string! }

        let partial = simulatorError {
            _ = try state.submitToolOutputs(
                threadID: threadID, runID, ["tool_outputs": [["tool_call_id": .string(ids[0]), "output": "sunny"]]], now: t0 + 300)
        }
        #expect(partial?.status == 400)
        #expect(partial?.message == "Expected tool outputs for call_ids ['\(ids[0])', '\(ids[1])'], got ['\(ids[0])'].")
        let message = simulatorError {
            _ = try state.createMessage(threadID: threadID, ["role": "user", "content": "y"], now: t0 + 300)
        }
        #expect(message?.message.hasPrefix("Can't add messages to ") == true)

        let resumed = try state.submitToolOutputs(
            threadID: threadID, runID,
            [
                "tool_outputs": [
                    ["tool_call_id": .string(ids[1]), "output": "noon"], ["tool_call_id": .string(ids[0]), "output": "sunny"],
                ]
            ], now: t0 + 300)
        #expect(resumed.json["status"] == "queued")
        #expect(resumed.json["required_action"] == .null)
        let done = try state.run(threadID: threadID, runID, now: t0 + 600)
        #expect(done["status"] == "completed")
        let reply = try state.listMessages(threadID: threadID, ListQuery(limit: 1), now: t0 + 600)["data"]![0]!
        #expect(reply.messageText == "Echo: use get_weather and get_time please | tool outputs: get_weather=sunny, get_time=noon")
        let steps = try state.listSteps(threadID: threadID, runID: runID, ListQuery(order: .asc), now: t0 + 600)["data"]!.arrayValue!
        #expect(steps.map { $0["type"]?.string } == ["tool_calls", "message_creation"])
        #expect(steps[0]["status"] == "completed")
        #expect(steps[0]["step_details"]?["tool_calls"]?[0]?["function"]?["output"] == "sunny")

        let late = simulatorError {
            _ = try state.submitToolOutputs(threadID: threadID, runID, ["tool_outputs": []], now: t0 + 700)
        }
        #expect(late?.message == "Runs in status \"completed\" do not accept tool outputs.")
    }

    @Test func twoRoundsOfTools() throws {
        var state = makeState()
        let threadID = try thread(&state, saying: "get_time [[rounds:2]]")
        let runID = try state.createRun(threadID: threadID, ["assistant_id": "asst_tools"], now: t0).runID
        var now = t0
        for round in 0..<2 {
            now += 300
            let paused = try state.run(threadID: threadID, runID, now: now)
            #expect(paused["status"] == "requires_action", "round \(round)")
            let call = paused["required_action"]!["submit_tool_outputs"]!["tool_calls"]![0]!
            _ = try state.submitToolOutputs(
                threadID: threadID, runID, ["tool_outputs": [["tool_call_id": call["id"]!, "output": .string("t\(round)")]]], now: now)
        }
        let done = try state.run(threadID: threadID, runID, now: now + 300)
        #expect(done["status"] == "completed")
        let reply = try state.listMessages(threadID: threadID, ListQuery(limit: 1), now: now + 300)["data"]![0]!
        #expect(reply.messageText == "Echo: get_time | tool outputs: get_time=t0, get_time=t1")
    }

    @Test func runToolsOverrideTheAssistants() throws {
        var state = makeState()
        let threadID = try thread(&state, saying: "call lookup")
        let start = try state.createRun(
            threadID: threadID,
            object(#"{"assistant_id":"asst_default","tools":[{"type":"function","function":{"name":"lookup","parameters":{"type":"object"}}}]}"#),
            now: t0)
        #expect(try state.run(threadID: threadID, start.runID, now: t0 + 300)["status"] == "requires_action")
    }

    @Test(arguments: [
        ("[[fail]]", "failed"), ("[[expire]]", "expired"), ("[[incomplete]]", "incomplete"), ("[[cancel]]", "cancelled"),
    ])
    func onDemandOutcomes(marker: String, status: String) throws {
        var state = makeState()
        let threadID = try thread(&state, saying: "one two three four \(marker)")
        let runID = try state.createRun(threadID: threadID, ["assistant_id": "asst_default"], now: t0).runID
        let run = try state.run(threadID: threadID, runID, now: t0 + 1000)
        #expect(run["status"]?.string == status)
        #expect(run["expires_at"] == .null)
        #expect(run["usage"] != .null)
        switch status {
        case "failed":
            #expect(run["last_error"]?["code"] == "server_error")
            #expect(run["failed_at"]?.int == Int((t0 + 250) / 1000))
        case "incomplete":
            #expect(run["incomplete_details"] == ["reason": "max_completion_tokens"])
            let reply = try state.listMessages(threadID: threadID, ListQuery(limit: 1), now: t0 + 1000)["data"]![0]!
            #expect(reply["status"] == "incomplete")
            #expect(reply.messageText == "Echo: one")
        case "cancelled":
            #expect(run["cancelled_at"]?.int == Int((t0 + 280) / 1000))
        default:
            break
        }
        // No reply message unless incomplete.
        let count = try state.listMessages(threadID: threadID, ListQuery(), now: t0 + 1000)["data"]?.arrayValue?.count
        #expect(count == (status == "incomplete" ? 2 : 1))
    }

    @Test func cancelRequest() throws {
        var state = makeState()
        let threadID = try thread(&state, saying: "x [[slow:5000]]")
        let runID = try state.createRun(threadID: threadID, ["assistant_id": "asst_default"], now: t0).runID
        let cancelling = try state.cancelRun(threadID: threadID, runID, now: t0 + 500)
        #expect(cancelling["status"] == "cancelling")
        let cancelled = try state.run(threadID: threadID, runID, now: t0 + 530)
        #expect(cancelled["status"] == "cancelled")
        let reply = try state.listMessages(threadID: threadID, ListQuery(limit: 1), now: t0 + 530)["data"]![0]!
        #expect(reply["status"] == "incomplete")
        #expect(reply["incomplete_details"] == ["reason": "run_cancelled"])
        let steps = try state.listSteps(threadID: threadID, runID: runID, ListQuery(), now: t0 + 530)
        #expect(steps["data"]?[0]?["status"] == "cancelled")
        let again = simulatorError { _ = try state.cancelRun(threadID: threadID, runID, now: t0 + 600) }
        #expect(again?.message == "Cannot cancel run with status 'cancelled'.")
    }

    @Test func requiresActionExpiresAfterTenMinutes() throws {
        var state = makeState()
        let threadID = try thread(&state, saying: "get_time")
        let runID = try state.createRun(threadID: threadID, ["assistant_id": "asst_tools"], now: t0).runID
        #expect(try state.run(threadID: threadID, runID, now: t0 + 599_999)["status"] == "requires_action")
        let expired = try state.run(threadID: threadID, runID, now: t0 + 600_000)
        #expect(expired["status"] == "expired")
        #expect(expired["required_action"] == .null)
        let steps = try state.listSteps(threadID: threadID, runID: runID, ListQuery(), now: t0 + 600_000)
        #expect(steps["data"]?[0]?["status"] == "expired")
    }

    // MARK: Streams

    /// Reads every event of a stream, moving time in 10 ms steps.
    func drain(_ state: inout SimulatorState, _ start: RunStart, from time: Int64) throws -> (names: [String], end: Int64) {
        var names: [String] = []
        var index = start.eventIndex
        var now = time
        while true {
            let batch = try state.readEvents(threadID: start.threadID, runID: start.runID, from: index, now: now)
            names += batch.events.map(\.name)
            index = batch.nextIndex
            if batch.finished { break }
            now += 10
        }
        state.endStream(threadID: start.threadID, runID: start.runID)
        return (names, now)
    }

    @Test func streamEventsInTheDocumentedOrder() throws {
        var state = makeState()
        let threadID = try thread(&state, saying: "one two three")
        let start = try state.createRun(threadID: threadID, object(#"{"assistant_id":"asst_default","stream":true}"#), now: t0)
        #expect(start.stream)
        let names = try drain(&state, start, from: t0).names
        #expect(
            names == [
                "thread.run.created", "thread.run.queued", "thread.run.in_progress", "thread.run.step.created",
                "thread.run.step.in_progress", "thread.message.created", "thread.message.in_progress", "thread.message.delta",
                "thread.message.delta", "thread.message.delta", "thread.message.completed", "thread.run.step.completed",
                "thread.run.completed",
            ])
    }

    @Test func toolStreamThenSubmitStream() throws {
        var state = makeState()
        let start = try state.createThreadAndRun(
            object(#"{"assistant_id":"asst_tools","stream":true,"thread":{"messages":[{"role":"user","content":"get_weather"}]}}"#),
            now: t0)
        let (names, end) = try drain(&state, start, from: t0)
        #expect(
            names == [
                "thread.created", "thread.run.created", "thread.run.queued", "thread.run.in_progress", "thread.run.step.created",
                "thread.run.step.in_progress", "thread.run.step.delta", "thread.run.step.delta", "thread.run.requires_action",
            ])
        let run = try state.run(threadID: start.threadID, start.runID, now: end)
        let callID = run["required_action"]!["submit_tool_outputs"]!["tool_calls"]![0]!["id"]!
        let resumed = try state.submitToolOutputs(
            threadID: start.threadID, start.runID,
            ["stream": true, "tool_outputs": [["tool_call_id": callID, "output": "rain"]]], now: end)
        let after = try drain(&state, resumed, from: end).names
        #expect(Array(after.prefix(3)) == ["thread.run.step.completed", "thread.run.queued", "thread.run.in_progress"])
        #expect(after.last == "thread.run.completed")
        #expect(after.filter { $0 == "thread.message.delta" }.count == 3)
    }

    @Test func eventsAreNotKeptWithoutAReader() throws {
        var state = makeState()
        let threadID = try thread(&state, saying: "x")
        let start = try state.createRun(threadID: threadID, ["assistant_id": "asst_default"], now: t0)
        let batch = try state.readEvents(threadID: threadID, runID: start.runID, from: 0, now: t0 + 1000)
        #expect(batch.events.isEmpty)
        #expect(batch.finished)
    }

    // MARK: Assistants

    @Test func assistantsCRUDAndDefaults() throws {
        var state = makeState()
        let defaults = state.listAssistants(ListQuery(order: .asc))
        #expect(defaults.ids == ["asst_default", "asst_tools"])
        let created = try state.createAssistant(object(#"{"model":"gpt-4o-mini","name":"A","metadata":{"k":"v"}}"#), now: t0 + 1000)
        let id = created["id"]!.string!
        #expect(id.hasPrefix("asst_"))
        #expect(created["tools"] == [])
        #expect(created["description"] == .null)
        #expect(try state.assistant(id) == created)
        let modified = try state.modifyAssistant(id, ["name": "B"])
        #expect(modified["name"] == "B")
        #expect(modified["model"] == "gpt-4o-mini")
        #expect(state.listAssistants(ListQuery(limit: 1)).ids == [id])
        #expect(try state.deleteAssistant(id)["deleted"] == true)
        #expect(simulatorError { _ = try state.assistant(id) }?.status == 404)
        #expect(simulatorError { _ = try state.createAssistant(["name": "no model"], now: t0) }?.message
            == "Missing required parameter: 'model'.")
        let badTool = simulatorError { _ = try state.createAssistant(object(#"{"model":"m","tools":[{"type":"browser"}]}"#), now: t0) }
        #expect(badTool?.param == "tools[0].type")
    }

    @Test func preloadedAssistantsKeepTheirIDs() throws {
        var state = makeState()
        let id = try state.preloadAssistant(object(#"{"id":"asst_custom","object":"assistant","model":"m","name":"C"}"#), now: t0)
        #expect(id == "asst_custom")
        #expect(try state.assistant("asst_custom")["name"] == "C")
        let replaced = try state.preloadAssistant(object(#"{"id":"asst_default","model":"x"}"#), now: t0)
        #expect(replaced == "asst_default")
        #expect(try state.assistant("asst_default")["model"] == "x")
    }
}
