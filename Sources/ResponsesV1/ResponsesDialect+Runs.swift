public import JSON
public import UpstreamAPI

/// Runs as chains of background responses.
///
/// The run id is the first response's id. `submit_tool_outputs` starts the next response of
/// the chain (tagged with ``RunTag``) and records it in the conversation's ``RunPointers``,
/// so any gateway instance finds the latest round from the run id alone.
extension ResponsesDialect {
    /// Frontend run metadata may hold this many pairs: the upstream allows 16 and the dialect
    /// keeps one (``RunTag``).
    static let maxRunMetadataPairs = 15

    public func createRun(threadID: String, body: JSONObject, context: UpstreamCallContext) async throws(UpstreamAPIError) -> UpstreamRun {
        let reply = try await transport.send(
            .post, "/responses", body: try firstResponseRequest(threadID: threadID, body: body), requestID: context.requestID,
            idempotencyKey: context.idempotencyKey)
        try Self.requireResponse(reply.object)
        return RunView(first: reply.object, latest: reply.object, pollAfter: reply.pollAfter).upstreamRun
    }

    /// The `POST /responses` body of a run's first response: the frontend's run request
    /// (`assistant_id` decided) on the profile's model, instructions and tools, in the
    /// background, tagged with ``RunTag``.
    func firstResponseRequest(threadID: String, body: JSONObject) throws(UpstreamAPIError) -> JSONObject {
        guard let assistantID = body["assistant_id"]?.stringValue, let profile = configuration.profiles[assistantID] else {
            throw ResponsesTransport.refused(
                "No assistant found with id '\(body["assistant_id"]?.stringValue ?? "")': this Responses upstream knows only the configured profiles.",
                param: "assistant_id", code: "assistant_not_found")
        }
        var request: JSONObject = [
            "conversation": .string(threadID), "model": .string(body["model"]?.stringValue ?? profile.model),
            "background": true, "store": true,
        ]
        var instructions = body["instructions"].flatMap { $0.isNull ? nil : $0.stringValue } ?? profile.instructions
        if let additional = body["additional_instructions"]?.stringValue, !additional.isEmpty {
            instructions = instructions.map { $0 + "\n\n" + additional } ?? additional
        }
        if let instructions { request["instructions"] = .string(instructions) }
        if let tools = body["tools"]?.arrayValue {
            request["tools"] = .array(tools.map(ToolMapping.responsesTool))
        } else if !profile.tools.isEmpty {
            request["tools"] = .array(profile.tools)
        }
        var input: [JSONValue] = []
        for (index, message) in (body["additional_messages"]?.arrayValue ?? []).enumerated() {
            input.append(.object(try MessageMapping.item(fromMessage: message, param: "additional_messages[\(index)]")))
        }
        if !input.isEmpty { request["input"] = .array(input) }
        for key in ["temperature", "top_p", "parallel_tool_calls"] {
            if let value = body[key], !value.isNull { request[key] = value }
        }
        if let value = body["max_completion_tokens"], !value.isNull { request["max_output_tokens"] = value }
        if let choice = body["tool_choice"], !choice.isNull { request["tool_choice"] = ToolMapping.responsesToolChoice(choice) }
        if let text = ToolMapping.text(forResponseFormat: body["response_format"]) { request["text"] = text }
        if body["truncation_strategy"]?["type"]?.stringValue == "auto" { request["truncation"] = "auto" }
        request["metadata"] = .object(try Self.runMetadata(body["metadata"], tag: RunTag(assistantID: assistantID)))
        return request
    }

    /// Not offered: the upstream cannot list the responses of a conversation. The gateway
    /// knows the runs it created (its `runs` table) and can retrieve each.
    public func listRuns(threadID: String, page: PageRequest, context: UpstreamCallContext) async throws(UpstreamAPIError) -> UpstreamPage {
        throw ResponsesTransport.unsupported(
            "The Responses upstream cannot list the runs of a conversation; list them from the runs threadgate recorded.")
    }

    public func retrieveRun(threadID: String, runID: String, context: UpstreamCallContext) async throws(UpstreamAPIError) -> UpstreamRun {
        try await resolve(threadID: threadID, runID: runID, context).view.upstreamRun
    }

    /// Cancels the run's active response; a run awaiting tool outputs is closed by answering
    /// its calls with a cancellation notice in the conversation (so the next response is
    /// valid) and marked cancelled in the run pointers.
    public func cancelRun(threadID: String, runID: String, context: UpstreamCallContext) async throws(UpstreamAPIError) -> UpstreamRun {
        let resolved = try await resolve(threadID: threadID, runID: runID, context)
        var view = resolved.view
        switch view.status {
        case .queued, .inProgress:
            let reply = try await transport.send(
                .post, Self.responsePath(view.latestID) + "/cancel", requestID: context.requestID,
                idempotencyKey: context.idempotencyKey)
            try Self.requireResponse(reply.object)
            view.latest = reply.object
            return view.upstreamRun
        case .requiresAction:
            let outputs: [JSONValue] = view.pendingCalls.map { call in
                ["type": "function_call_output", "call_id": call["call_id"] ?? .null, "output": "The run was cancelled."]
            }
            _ = try await transport.send(
                .post, Self.conversationPath(threadID) + "/items", body: ["items": .array(outputs)], requestID: context.requestID)
            try await recordPointer(
                RunPointers.Entry(firstID: view.id, latestID: view.latestID, cancelled: true), threadID: threadID,
                metadata: resolved.conversationMetadata, context)
            view.cancelled = true
            return view.upstreamRun
        default:
            throw ResponsesTransport.refused("Cannot cancel run with status '\(view.status)'.", param: nil)
        }
    }

    /// Answers the latest round's function calls with a new response on the conversation,
    /// then points the run at it; the run keeps its id.
    public func submitToolOutputs(
        threadID: String, runID: String, body: JSONObject, context: UpstreamCallContext
    ) async throws(UpstreamAPIError) -> UpstreamRun {
        let round = try await nextRound(threadID: threadID, runID: runID, body: body, context)
        let reply = try await transport.send(
            .post, "/responses", body: round.request, requestID: context.requestID, idempotencyKey: context.idempotencyKey)
        try Self.requireResponse(reply.object)
        guard let nextID = reply.object["id"]?.stringValue else { throw ResponsesTransport.invalid("the response has no id") }
        try await record(round, latestID: nextID, threadID: threadID, context)
        return RunView(first: round.resolved.view.first, latest: reply.object, pollAfter: reply.pollAfter).upstreamRun
    }

    /// A tool round checked and ready to send: the run as resolved and the next response's request.
    struct NextRound {
        var resolved: ResolvedRun
        var request: JSONObject
    }

    /// Checks `body`'s tool outputs against the run's pending calls and builds the `POST
    /// /responses` body of the chain's next response (the latest one's options, a tag that
    /// carries the chain's start and tokens).
    func nextRound(
        threadID: String, runID: String, body: JSONObject, _ context: UpstreamCallContext
    ) async throws(UpstreamAPIError) -> NextRound {
        let resolved = try await resolve(threadID: threadID, runID: runID, context)
        let view = resolved.view
        guard view.status == .requiresAction else {
            throw ResponsesTransport.refused("Runs in status \"\(view.status)\" do not accept tool outputs.")
        }
        let pending = view.pendingCalls.compactMap { $0["call_id"]?.stringValue }
        var outputs: [JSONValue] = []
        var answered: [String] = []
        for (index, value) in (body["tool_outputs"]?.arrayValue ?? []).enumerated() {
            guard let callID = value["tool_call_id"]?.stringValue else {
                throw ResponsesTransport.refused(
                    "Missing required parameter: 'tool_outputs[\(index)].tool_call_id'.", param: "tool_outputs[\(index)].tool_call_id")
            }
            guard pending.contains(callID), !answered.contains(callID) else {
                throw ResponsesTransport.refused(
                    "Invalid 'tool_outputs[\(index)].tool_call_id': '\(callID)' is not an unanswered tool call of this run.",
                    param: "tool_outputs[\(index)].tool_call_id")
            }
            answered.append(callID)
            outputs.append(["type": "function_call_output", "call_id": .string(callID), "output": value["output"] ?? ""])
        }
        guard Set(answered) == Set(pending) else {
            throw ResponsesTransport.refused(
                "Expected tool outputs for call_ids \(pending), got \(answered).", param: "tool_outputs")
        }
        let metadata = resolved.conversationMetadata ?? [:]
        if metadata[RunPointers.key] == nil, metadata.count >= 16 {
            throw ResponsesTransport.refused(
                "The thread's metadata is full: threadgate needs one of its 16 pairs to continue runs after tool calls.",
                param: "metadata")
        }

        let latest = view.latest
        let carried = RunTag(response: latest)?.continuation
        let usage = latest["usage"]
        let tag = RunTag(
            assistantID: view.assistantID ?? "",
            continuation: RunTag.Continuation(
                firstID: view.id, firstCreatedAt: view.first["created_at"]?.int64Value ?? 0, previousID: view.latestID,
                promptTokens: (carried?.promptTokens ?? 0) + (usage?["input_tokens"]?.int64Value ?? 0),
                completionTokens: (carried?.completionTokens ?? 0) + (usage?["output_tokens"]?.int64Value ?? 0)))
        var request: JSONObject = ["conversation": .string(threadID), "input": .array(outputs), "background": true, "store": true]
        for key in ["model", "instructions", "tools", "temperature", "top_p", "parallel_tool_calls", "max_output_tokens", "text", "truncation"] {
            if let value = latest[key], !value.isNull { request[key] = value }
        }
        // A forced choice would force another call every round; later rounds choose freely.
        request["tool_choice"] = latest["tool_choice"]?.stringValue == "none" ? "none" : "auto"
        var runMetadata = (view.first["metadata"]?.objectValue ?? [:]).withoutThreadgateKeys
        runMetadata[RunTag.key] = .string(tag.rendered)
        request["metadata"] = .object(runMetadata)
        return NextRound(resolved: resolved, request: request)
    }

    /// Points the run of `round` at its new latest response `latestID`.
    func record(_ round: NextRound, latestID: String, threadID: String, _ context: UpstreamCallContext) async throws(UpstreamAPIError) {
        try await recordPointer(
            RunPointers.Entry(firstID: round.resolved.view.id, latestID: latestID, cancelled: false), threadID: threadID,
            metadata: round.resolved.conversationMetadata, context)
    }

    // MARK: Resolving a run id

    struct ResolvedRun {
        var view: RunView
        /// The conversation's metadata, when it was read (the run had tool rounds).
        var conversationMetadata: JSONObject?
    }

    /// The run `runID` of conversation `threadID`: its first response, and when that one
    /// ended asking for tool outputs, the chain's latest response named by the conversation's
    /// run pointers. Ids of later rounds, and runs of other conversations, are not runs.
    func resolve(threadID: String, runID: String, _ context: UpstreamCallContext) async throws(UpstreamAPIError) -> ResolvedRun {
        let notFound = ResponsesTransport.refused("No run found with id '\(runID)'.", status: 404)
        let reply: UpstreamReply
        do {
            reply = try await transport.send(.get, Self.responsePath(runID), requestID: context.requestID)
        } catch let error where error.isNotFound {
            throw notFound
        }
        let first = reply.object
        try Self.requireResponse(first)
        guard first["conversation"]?["id"]?.stringValue == threadID, let tag = RunTag(response: first), tag.continuation == nil else {
            throw notFound
        }
        var view = RunView(first: first, latest: first, pollAfter: reply.pollAfter)
        guard !view.pendingCalls.isEmpty else { return ResolvedRun(view: view, conversationMetadata: nil) }
        let metadata = try await conversation(threadID, context)["metadata"]?.objectValue ?? [:]
        if let entry = RunPointers(metadata: metadata).entry(for: runID) {
            view.cancelled = entry.cancelled
            if entry.latestID != runID {
                let latest = try await transport.send(.get, Self.responsePath(entry.latestID), requestID: context.requestID)
                try Self.requireResponse(latest.object)
                view.latest = latest.object
                view.pollAfter = latest.pollAfter
            }
        }
        return ResolvedRun(view: view, conversationMetadata: metadata)
    }

    /// Writes `entry` into the conversation's run pointers (keeping its other metadata).
    func recordPointer(
        _ entry: RunPointers.Entry, threadID: String, metadata: JSONObject?, _ context: UpstreamCallContext
    ) async throws(UpstreamAPIError) {
        var metadata = metadata ?? [:]
        var pointers = RunPointers(metadata: metadata)
        pointers.record(entry)
        metadata[RunPointers.key] = .string(pointers.rendered)
        _ = try await transport.send(.post, Self.conversationPath(threadID), body: ["metadata": .object(metadata)], requestID: context.requestID)
    }

    /// The frontend's run metadata with the dialect's tag added.
    static func runMetadata(_ value: JSONValue?, tag: RunTag) throws(UpstreamAPIError) -> JSONObject {
        var metadata = value?.objectValue ?? [:]
        guard metadata.count <= maxRunMetadataPairs else {
            throw ResponsesTransport.refused(
                "Invalid 'metadata': at most \(maxRunMetadataPairs) pairs are allowed on runs of this upstream.", param: "metadata")
        }
        metadata = metadata.withoutThreadgateKeys
        metadata[RunTag.key] = .string(tag.rendered)
        return metadata
    }

    static func requireResponse(_ object: JSONObject) throws(UpstreamAPIError) {
        guard object["id"]?.stringValue != nil, object["status"]?.stringValue != nil else {
            throw ResponsesTransport.invalid("the response has no id or status")
        }
    }
}
