public import JSON

/// A response just created: its JSON and how the request wants it delivered.
public struct ResponseStart: Sendable {
    public let responseID: String
    public let json: JSONValue
    /// `stream: true`: the caller streams its events from sequence number 0 (`readResponseEvents`).
    public let stream: Bool
    /// `background: true`: answered at once while queued; otherwise the caller answers once it ended.
    public let background: Bool
}

/// A response as seen at one instant: its JSON, whether it ended, when it changes next.
public struct ResponseSnapshot: Sendable {
    public let json: JSONValue
    public let isTerminal: Bool
    public let nextDeadline: Int64?
}

extension SimulatorState {
    /// Keys of `CreateResponse`; those the simulator does not model are accepted and ignored.
    static let responseCreateKeys: Set<String> = [
        "background", "context_management", "conversation", "include", "input", "instructions", "max_output_tokens",
        "max_tool_calls", "metadata", "model", "moderation", "parallel_tool_calls", "previous_response_id", "prompt",
        "prompt_cache_key", "prompt_cache_options", "prompt_cache_retention", "reasoning", "safety_identifier",
        "service_tier", "store", "stream", "stream_options", "temperature", "text", "tool_choice", "tools", "top_logprobs",
        "top_p", "truncation", "user",
    ]

    func requireResponse(_ id: String) throws(SimulatorError) -> ResponseRecord {
        guard let response = responses[id] else { throw .notFoundResource("Response", id: id) }
        return response
    }

    /// Performs the due transitions of response `id`; once it ends, settles its conversation.
    mutating func advanceResponse(_ id: String, now: Int64) {
        guard let response = responses[id], !response.status.isTerminal else { return }
        let actions = responses[id]!.lifecycle.timeReached(now)
        guard !actions.isEmpty else { return }
        responses[id]!.apply(actions, ids: &ids)
        if responses[id]!.status.isTerminal { settle(id) }
    }

    /// A response ended: remember its call ids; a completed or incomplete one adds its input
    /// and output items to its conversation (the reference: "after this response completes");
    /// the conversation is free for the next response either way.
    private mutating func settle(_ id: String) {
        let response = responses[id]!
        for item in response.output where item["type"]?.stringValue == "function_call" {
            if let callID = item["call_id"]?.stringValue, let name = item["name"]?.stringValue { functionCallNames[callID] = name }
        }
        guard let conversationID = response.conversationID, conversations[conversationID] != nil else { return }
        if conversations[conversationID]!.activeResponseID == id { conversations[conversationID]!.activeResponseID = nil }
        switch response.status {
        case .completed, .incomplete:
            conversations[conversationID]!.items += response.inputItems + response.output
            counters.conversationItemsCreated += response.inputItems.count + response.output.count
        case .queued, .inProgress, .failed, .cancelled:
            break
        }
    }

    // MARK: Create

    /// `POST /responses`.
    ///
    /// While another response of the same conversation is queued or in progress this answers
    /// 400 `conversation_locked` (`Another response is already in progress for conversation
    /// conv_….`): the reference does not document the case, and the real service refuses
    /// concurrent writes to one conversation rather than queueing them.
    public mutating func createResponse(_ body: JSONObject, now: Int64) throws(SimulatorError) -> ResponseStart {
        let reader = try BodyReader(body, allowed: Self.responseCreateKeys)
        let input = try ResponseItems.parseInput(reader.value("input"))
        let tools = try ResponseToolRules.validate(reader.array("tools") ?? [])
        let background = try reader.bool("background") ?? false
        let stream = try reader.bool("stream") ?? false
        let metadata = try MetadataRules.validate(reader.value("metadata")) ?? [:]
        let previousID = try reader.string("previous_response_id")
        var conversationID: String?
        if let value = reader.value("conversation") {
            if let id = value.stringValue {
                conversationID = id
            } else {
                conversationID = try BodyReader(value, path: "conversation", allowed: ["id"]).requiredString("id")
            }
        }
        if conversationID != nil, previousID != nil {
            throw .invalid(
                "Mutually exclusive parameters: Ensure you are only providing one of: 'previous_response_id' or 'conversation'.",
                param: "conversation", code: "mutually_exclusive_parameters")
        }
        if input.isEmpty, conversationID == nil, previousID == nil { throw .missingParameter("input") }
        if try reader.bool("store") == false, background {
            throw .invalid("Background mode requires 'store' to be true.", param: "store")
        }

        var context: [JSONValue] = []
        if let conversationID {
            _ = try requireConversation(conversationID)
            advanceConversation(conversationID, now: now)
            if conversations[conversationID]!.activeResponseID != nil {
                counters.conversationBusyRejections += 1
                throw .conversationBusy(conversationID)
            }
            context = conversations[conversationID]!.items
        }
        if let previousID {
            _ = try requireResponse(previousID)
            advanceResponse(previousID, now: now)
            context = chain(endingAt: previousID)
        }

        let inputItems = input.map { ResponseItems.withID(ids.make(ResponseItems.idKind(of: $0)), $0) }
        let all = context + inputItems
        let lastUser = all.lastIndex(where: ResponseItems.isUserMessage)
        let script = RunScript(message: lastUser.flatMap { ResponseItems.text(of: all[$0]) } ?? "")
        let outputs = toolOutputs(in: all[(lastUser.map { $0 + 1 } ?? 0)...])
        let named = script.toolsCalled(from: ResponseToolRules.functionNames(tools))
        let roundsDone = named.isEmpty ? 0 : (outputs.count + named.count - 1) / named.count
        let calls = roundsDone < (script.rounds ?? 1) ? named : []
        var reply = calls.isEmpty ? ReplyRule.reply(to: script.text, toolOutputs: outputs) : ""
        let plan = script.plan(availableTools: [])
        if plan.ending == .incomplete { reply = ReplyRule.truncated(reply) }
        let instructions = try reader.string("instructions")
        var inputTokens = ReplyRule.tokens(instructions ?? "")
        for item in all {
            inputTokens += ReplyRule.tokens(ResponseItems.text(of: item) ?? item["output"]?.stringValue ?? "")
        }

        var timing = self.timing
        if !background { timing.queuedMillis = 0 }
        var response = ResponseRecord(
            id: ids.make(.response), createdAt: now, lifecycle: ResponseLifecycle(createdAt: now, plan: plan, timing: timing),
            background: background, model: try reader.string("model") ?? "gpt-4o", instructions: instructions, tools: tools,
            metadata: metadata, conversationID: conversationID, previousResponseID: previousID,
            temperature: try reader.number("temperature", range: 0...2) ?? 1.0,
            topP: try reader.number("top_p", range: 0...1) ?? 1.0,
            toolChoice: try reader.passthrough("tool_choice", kinds: [.string, .object], expected: "a string or an object")
                ?? "auto",
            parallelToolCalls: try reader.bool("parallel_tool_calls") ?? true,
            maxOutputTokens: .integer((try reader.int("max_output_tokens", minimum: 16)).map(Int64.init)),
            inputItems: inputItems, script: script, calledTools: calls, replyText: reply, inputTokens: inputTokens)
        if background {
            response.recordResponse("response.created")
            response.recordResponse("response.queued")
        } else {
            // A foreground response starts working at once: its first event already says so.
            var created = response.json.objectValue ?? [:]
            created["status"] = "in_progress"
            response.record("response.created", ["response": .object(created)])
        }
        let id = response.id
        responses[id] = response
        counters.responsesCreated += 1
        if let conversationID { conversations[conversationID]!.activeResponseID = id }
        advanceResponse(id, now: now)
        return ResponseStart(responseID: id, json: responses[id]!.json, stream: stream, background: background)
    }

    /// The items a `previous_response_id` chain stands for: each response's input, then its output.
    private func chain(endingAt id: String) -> [JSONValue] {
        var items: [JSONValue] = []
        var next: String? = id
        var seen: Set<String> = []
        while let current = next, let response = responses[current], seen.insert(current).inserted {
            items = response.inputItems + response.output + items
            next = response.previousResponseID
        }
        return items
    }

    /// `function_call_output` items of `items` as (function name, output), in order.
    private func toolOutputs(in items: ArraySlice<JSONValue>) -> [(name: String, output: String)] {
        items.compactMap { item in
            guard item["type"]?.stringValue == "function_call_output", let callID = item["call_id"]?.stringValue else {
                return nil
            }
            let call = items.first { $0["type"]?.stringValue == "function_call" && $0["call_id"]?.stringValue == callID }
            let name = functionCallNames[callID] ?? call?["name"]?.stringValue ?? callID
            let output = item["output"]?.stringValue ?? item["output"]?.jsonString ?? ""
            return (name, output)
        }
    }

    // MARK: Read and change

    /// `GET /responses/{id}`.
    public mutating func response(_ id: String, now: Int64) throws(SimulatorError) -> ResponseSnapshot {
        _ = try requireResponse(id)
        advanceResponse(id, now: now)
        let response = responses[id]!
        return ResponseSnapshot(json: response.json, isTerminal: response.status.isTerminal, nextDeadline: response.lifecycle.nextDeadline)
    }

    /// `POST /responses/{id}/cancel`: only background responses; an ended one is returned as is.
    public mutating func cancelResponse(_ id: String, now: Int64) throws(SimulatorError) -> JSONValue {
        let response = try requireResponse(id)
        guard response.background else { throw .invalid("Cannot cancel a synchronous response.") }
        advanceResponse(id, now: now)
        counters.responsesCancelled += 1
        if let actions = try? responses[id]!.lifecycle.cancelRequested(at: now) {
            responses[id]!.apply(actions, ids: &ids)
            settle(id)
        }
        return responses[id]!.json
    }

    /// `DELETE /responses/{id}`.
    public mutating func deleteResponse(_ id: String) throws(SimulatorError) -> JSONValue {
        let response = try requireResponse(id)
        responses[id] = nil
        if let conversationID = response.conversationID, conversations[conversationID]?.activeResponseID == id {
            conversations[conversationID]!.activeResponseID = nil
        }
        return ["id": .string(id), "object": "response", "deleted": true]
    }

    /// `GET /responses/{id}/input_items`.
    public mutating func responseInputItems(_ id: String, _ query: ListQuery) throws(SimulatorError) -> JSONValue {
        query.page(try requireResponse(id).inputItems, id: { $0["id"]?.stringValue ?? "" }, render: { $0 })
    }

    // MARK: Streams

    /// The events of response `id` from index `index` (a sequence number) that are due by `now`.
    public mutating func readResponseEvents(_ id: String, from index: Int, now: Int64) throws(SimulatorError) -> StreamBatch {
        _ = try requireResponse(id)
        advanceResponse(id, now: now)
        let response = responses[id]!
        let events = index < response.events.count ? Array(response.events[max(0, index)...]) : []
        return StreamBatch(
            events: events, nextIndex: max(index, response.events.count), finished: response.status.isTerminal,
            nextDeadline: response.lifecycle.nextDeadline)
    }
}

extension SimulatorError {
    /// 404 in the Responses / Conversations API's words: `Conversation with id 'conv_x' not found.`
    static func notFoundResource(_ noun: String, id: String) -> SimulatorError {
        SimulatorError(status: 404, message: "\(noun) with id '\(id)' not found.")
    }

    /// 400 for a second response while one of the same conversation is queued or in progress.
    static func conversationBusy(_ conversationID: String) -> SimulatorError {
        .invalid(
            "Another response is already in progress for conversation \(conversationID).", param: "conversation",
            code: "conversation_locked")
    }
}
