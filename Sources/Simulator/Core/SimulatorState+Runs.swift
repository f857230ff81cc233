public import JSON

/// A run just created (or resumed by tool outputs): its JSON, and where a stream of its
/// events starts when the request asked for `stream: true`.
public struct RunStart: Sendable {
    public let threadID: String
    public let runID: String
    public let json: JSONValue
    /// The request's `stream` flag. When true the caller must read the events from
    /// `eventIndex` with `readEvents` and call `endStream` once done.
    public let stream: Bool
    public let eventIndex: Int
}

/// Events of a streamed run that are ready now.
public struct StreamBatch: Sendable {
    public let events: [StreamEvent]
    /// The index to read from next.
    public let nextIndex: Int
    /// True once the run is terminal or requires action and every event was read: the stream
    /// ends with `done`.
    public let finished: Bool
    /// When more events may be due (Unix milliseconds).
    public let nextDeadline: Int64?
}

extension SimulatorState {
    static let runCommonKeys: Set<String> = [
        "assistant_id", "model", "instructions", "tools", "metadata", "temperature", "top_p", "stream",
        "max_prompt_tokens", "max_completion_tokens", "truncation_strategy", "tool_choice", "parallel_tool_calls",
        "response_format",
    ]
    static let runCreateKeys = runCommonKeys.union(["reasoning_effort", "additional_instructions", "additional_messages"])
    static let threadAndRunKeys = runCommonKeys.union(["thread", "tool_resources"])

    /// The fields of `S.CreateRunRequest` / `S.CreateThreadAndRunRequest` a run keeps.
    struct RunOptions {
        var assistantID: String
        var model: String?
        var instructions: String?
        var additionalInstructions: String?
        var tools: [JSONValue]?
        var metadata: JSONObject
        var temperature: JSONValue?
        var topP: JSONValue?
        var stream: Bool
        var maxPromptTokens: Int?
        var maxCompletionTokens: Int?
        var truncationStrategy: JSONValue?
        var toolChoice: JSONValue?
        var parallelToolCalls: Bool?
        var responseFormat: JSONValue?
        var reasoningEffort: String?
    }

    static func parseRunOptions(_ reader: BodyReader) throws(SimulatorError) -> RunOptions {
        var options = RunOptions(
            assistantID: try reader.requiredString("assistant_id"),
            metadata: try MetadataRules.validate(reader.value("metadata")) ?? [:], stream: try reader.bool("stream") ?? false)
        options.model = try reader.string("model")
        options.instructions = try reader.string("instructions", maxLength: 256_000)
        options.additionalInstructions = try reader.string("additional_instructions")
        if let tools = try reader.array("tools") { options.tools = try ToolRules.validate(tools) }
        options.temperature = try reader.number("temperature", range: 0...2)
        options.topP = try reader.number("top_p", range: 0...1)
        options.maxPromptTokens = try reader.int("max_prompt_tokens", minimum: 256)
        options.maxCompletionTokens = try reader.int("max_completion_tokens", minimum: 256)
        if let strategy = try reader.object("truncation_strategy") {
            let strategyReader = try BodyReader(strategy, path: "truncation_strategy", allowed: ["type", "last_messages"])
            let type = try strategyReader.requiredString("type")
            guard type == "auto" || type == "last_messages" else {
                throw .invalidValue("truncation_strategy.type", value: type, supported: ["auto", "last_messages"])
            }
            let last = try strategyReader.int("last_messages", minimum: 1)
            options.truncationStrategy = ["type": .string(type), "last_messages": last.map { .int(Int64($0)) } ?? .null]
        }
        options.toolChoice = try reader.passthrough("tool_choice", kinds: [.string, .object], expected: "a string or an object")
        options.parallelToolCalls = try reader.bool("parallel_tool_calls")
        options.responseFormat = try reader.passthrough("response_format", kinds: [.string, .object], expected: "a string or an object")
        options.reasoningEffort = try reader.string("reasoning_effort")
        return options
    }

    // MARK: Create

    /// `POST /threads/{id}/runs`; the upstream's 400 while another run is active.
    public mutating func createRun(threadID: String, _ body: JSONObject, now: Int64) throws(SimulatorError) -> RunStart {
        try advanceThread(threadID, now: now)
        let reader = try BodyReader(body, allowed: Self.runCreateKeys)
        let options = try Self.parseRunOptions(reader)
        var additional: ThreadDraft.Messages = []
        for (index, item) in (try reader.array("additional_messages", maxItems: 32) ?? []).enumerated() {
            additional.append(
                try MessageRecord.parse(BodyReader(item, path: "additional_messages[\(index)]", allowed: MessageRecord.createKeys)))
        }
        let assistant = try requireAssistant(options.assistantID)
        if let active = threads[threadID]!.activeRunID {
            counters.runActiveRunRejections += 1
            throw .runWhileRunActive(threadID: threadID, runID: active)
        }
        for message in additional {
            threads[threadID]!.messages.append(makeMessage(in: threadID, message, now: now))
        }
        return startRun(in: threadID, assistant: assistant, options: options, now: now, prelude: [])
    }

    /// `POST /threads/runs`: a new thread (from `thread`) and a run on it. A stream starts with
    /// `thread.created`.
    public mutating func createThreadAndRun(_ body: JSONObject, now: Int64) throws(SimulatorError) -> RunStart {
        let reader = try BodyReader(body, allowed: Self.threadAndRunKeys)
        let options = try Self.parseRunOptions(reader)
        var draft = ThreadDraft(metadata: [:], toolResources: [:], messages: [])
        if let thread = reader.value("thread") {
            draft = try Self.parseThread(BodyReader(thread, path: "thread", allowed: Self.threadCreateKeys))
        }
        if let resources = try reader.object("tool_resources") { draft.toolResources = .object(resources) }
        let assistant = try requireAssistant(options.assistantID)
        let threadID = insertThread(draft, now: now)
        let created = StreamEvent(name: "thread.created", data: threads[threadID]!.json)
        return startRun(in: threadID, assistant: assistant, options: options, now: now, prelude: [created])
    }

    private mutating func startRun(
        in threadID: String, assistant: AssistantRecord, options: RunOptions, now: Int64, prelude: [StreamEvent]
    ) -> RunStart {
        let thread = threads[threadID]!
        let lastUserText = thread.messages.last { $0.role == "user" }?.text ?? ""
        let script = RunScript(message: lastUserText)
        let tools = options.tools ?? assistant.tools
        let available = ToolRules.functionNames(tools)
        var instructions = options.instructions ?? assistant.instructions
        if let extra = options.additionalInstructions {
            instructions = (instructions.map { $0 + "\n" } ?? "") + extra
        }
        let prompt = ReplyRule.tokens(instructions ?? "") + thread.messages.reduce(0) { $0 + ReplyRule.tokens($1.text) }
        var run = RunRecord(
            id: ids.make(.run), threadID: threadID, assistantID: assistant.id, createdAt: now,
            lifecycle: RunLifecycle(createdAt: now, plan: script.plan(availableTools: available), timing: timing),
            model: options.model ?? assistant.model, instructions: instructions, tools: tools, metadata: options.metadata,
            temperature: options.temperature ?? assistant.temperature, topP: options.topP ?? assistant.topP,
            responseFormat: options.responseFormat ?? assistant.responseFormat, script: script,
            calledTools: script.toolsCalled(from: available), promptTokens: prompt)
        if let value = options.maxPromptTokens { run.maxPromptTokens = .int(Int64(value)) }
        if let value = options.maxCompletionTokens { run.maxCompletionTokens = .int(Int64(value)) }
        if let value = options.truncationStrategy { run.truncationStrategy = value }
        if let value = options.toolChoice { run.toolChoice = value }
        if let value = options.parallelToolCalls { run.parallelToolCalls = .bool(value) }
        if let value = options.reasoningEffort { run.reasoningEffort = .string(value) }
        if options.stream { run.log.addReader() }
        let start = run.log.endIndex
        for event in prelude { run.log.record(event.name, event.data) }
        let json = run.json
        run.log.record("thread.run.created", json)
        run.log.record("thread.run.queued", json)
        threads[threadID]!.runs.append(run)
        threads[threadID]!.activeRunID = run.id
        counters.runsCreated += 1
        return RunStart(threadID: threadID, runID: run.id, json: json, stream: options.stream, eventIndex: start)
    }

    // MARK: Read and change

    func requireRun(threadID: String, _ runID: String) throws(SimulatorError) -> Int {
        guard let index = try requireThread(threadID).runIndex(runID) else { throw .notFound("run", id: runID) }
        return index
    }

    /// `GET /threads/{id}/runs`.
    public mutating func listRuns(threadID: String, _ query: ListQuery, now: Int64) throws(SimulatorError) -> JSONValue {
        try advanceThread(threadID, now: now)
        return query.page(threads[threadID]!.runs, id: \.id, render: \.json)
    }

    /// `GET /threads/{id}/runs/{run_id}`.
    public mutating func run(threadID: String, _ runID: String, now: Int64) throws(SimulatorError) -> JSONValue {
        try advanceThread(threadID, now: now)
        return threads[threadID]!.runs[try requireRun(threadID: threadID, runID)].json
    }

    /// `POST /threads/{id}/runs/{run_id}`: replaces `metadata`.
    public mutating func modifyRun(threadID: String, _ runID: String, _ body: JSONObject, now: Int64) throws(SimulatorError) -> JSONValue {
        try advanceThread(threadID, now: now)
        let index = try requireRun(threadID: threadID, runID)
        let reader = try BodyReader(body, allowed: ["metadata"])
        if let metadata = try MetadataRules.validate(reader.value("metadata")) {
            threads[threadID]!.runs[index].metadata = metadata
        }
        return threads[threadID]!.runs[index].json
    }

    /// `POST /threads/{id}/runs/{run_id}/cancel`: the run goes `cancelling`, then `cancelled`.
    public mutating func cancelRun(threadID: String, _ runID: String, now: Int64) throws(SimulatorError) -> JSONValue {
        try advanceThread(threadID, now: now)
        let index = try requireRun(threadID: threadID, runID)
        let actions: [RunLifecycle.Action]
        do {
            actions = try threads[threadID]!.runs[index].lifecycle.cancelRequested(at: now)
        } catch {
            throw .invalid("Cannot cancel run with status '\(error.status.rawValue)'.")
        }
        counters.runsCancelled += 1
        threads[threadID]!.apply(actions, toRunAt: index, ids: &ids)
        return threads[threadID]!.runs[index].json
    }

    /// `POST /threads/{id}/runs/{run_id}/submit_tool_outputs`: every call of the pending round
    /// must be answered in this one request.
    public mutating func submitToolOutputs(threadID: String, _ runID: String, _ body: JSONObject, now: Int64) throws(SimulatorError) -> RunStart {
        try advanceThread(threadID, now: now)
        let index = try requireRun(threadID: threadID, runID)
        let reader = try BodyReader(body, allowed: ["tool_outputs", "stream"])
        guard let items = try reader.array("tool_outputs") else { throw .missingParameter("tool_outputs") }
        let stream = try reader.bool("stream") ?? false
        var outputs: [(id: String, output: String)] = []
        for (position, item) in items.enumerated() {
            let entry = try BodyReader(item, path: "tool_outputs[\(position)]", allowed: ["tool_call_id", "output"])
            outputs.append((try entry.requiredString("tool_call_id"), try entry.string("output") ?? ""))
        }
        let run = threads[threadID]!.runs[index]
        guard run.status == .requiresAction, let pending = run.rounds.last else {
            throw .invalid("Runs in status \"\(run.status.rawValue)\" do not accept tool outputs.")
        }
        let expected = pending.map(\.id)
        let given = outputs.map(\.id)
        for id in given where !expected.contains(id) {
            throw .invalid(
                "Invalid 'tool_outputs': no tool call with id '\(id)' is awaiting output in run '\(runID)'.", param: "tool_outputs")
        }
        guard Set(given) == Set(expected), given.count == expected.count else {
            let list = { (ids: [String]) in "[" + ids.map { "'\($0)'" }.joined(separator: ", ") + "]" }
            throw .invalid("Expected tool outputs for call_ids \(list(expected)), got \(list(given)).", param: "tool_outputs")
        }
        let round = threads[threadID]!.runs[index].rounds.count - 1
        for (id, output) in outputs {
            if let call = pending.firstIndex(where: { $0.id == id }) {
                threads[threadID]!.runs[index].rounds[round][call].output = output
            }
        }
        if stream { threads[threadID]!.runs[index].log.addReader() }
        let start = threads[threadID]!.runs[index].log.endIndex
        let actions: [RunLifecycle.Action]
        do {
            actions = try threads[threadID]!.runs[index].lifecycle.toolOutputsSubmitted(at: now)
        } catch {
            preconditionFailure("requires_action run refused tool outputs: \(error.status.rawValue)")
        }
        counters.toolOutputsSubmitted += 1
        threads[threadID]!.apply(actions, toRunAt: index, ids: &ids)
        return RunStart(
            threadID: threadID, runID: runID, json: threads[threadID]!.runs[index].json, stream: stream, eventIndex: start)
    }

    // MARK: Steps

    /// `GET /threads/{id}/runs/{run_id}/steps`.
    public mutating func listSteps(threadID: String, runID: String, _ query: ListQuery, now: Int64) throws(SimulatorError) -> JSONValue {
        try advanceThread(threadID, now: now)
        let index = try requireRun(threadID: threadID, runID)
        return query.page(threads[threadID]!.runs[index].steps, id: \.id, render: \.json)
    }

    /// `GET /threads/{id}/runs/{run_id}/steps/{step_id}`.
    public mutating func step(threadID: String, runID: String, _ stepID: String, now: Int64) throws(SimulatorError) -> JSONValue {
        try advanceThread(threadID, now: now)
        let index = try requireRun(threadID: threadID, runID)
        guard let step = threads[threadID]!.runs[index].steps.first(where: { $0.id == stepID }) else {
            throw .notFound("run step", id: stepID)
        }
        return step.json
    }

    // MARK: Streams

    /// The events of a streamed run from `index` that are due by `now`.
    public mutating func readEvents(threadID: String, runID: String, from index: Int, now: Int64) throws(SimulatorError) -> StreamBatch {
        try advanceThread(threadID, now: now)
        let run = threads[threadID]!.runs[try requireRun(threadID: threadID, runID)]
        let events = Array(run.log.events(from: index))
        let settled = run.status.isTerminal || run.status == .requiresAction
        return StreamBatch(
            events: events, nextIndex: run.log.endIndex, finished: settled, nextDeadline: run.lifecycle.nextDeadline)
    }

    /// A stream of the run stopped reading; its events are no longer kept once none reads.
    public mutating func endStream(threadID: String, runID: String) {
        guard let index = threads[threadID]?.runIndex(runID) else { return }
        threads[threadID]!.runs[index].log.removeReader()
    }
}
