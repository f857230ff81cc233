public import JSON
public import UpstreamAPI

/// Run steps, synthesized from the chain's responses: one `tool_calls` step per round that
/// called functions (with the outputs the next round was given) and one `message_creation`
/// step per assistant message. A step's id is `step_` + the id of its first output item, so
/// it stays the same on every read.
extension ResponsesDialect {
    public func listRunSteps(
        threadID: String, runID: String, page: PageRequest, context: UpstreamCallContext
    ) async throws(UpstreamAPIError) -> UpstreamPage {
        try InMemoryPager.page(try await steps(threadID: threadID, runID: runID, context), page)
    }

    public func retrieveRunStep(
        threadID: String, runID: String, stepID: String, context: UpstreamCallContext
    ) async throws(UpstreamAPIError) -> JSONObject {
        guard let step = try await steps(threadID: threadID, runID: runID, context).first(where: { $0["id"]?.stringValue == stepID }) else {
            throw ResponsesTransport.refused("No run step found with id '\(stepID)'.", status: 404)
        }
        return step
    }

    /// The run's responses, first to latest, following each round's ``RunTag`` back.
    func chain(of resolved: ResolvedRun, _ context: UpstreamCallContext) async throws(UpstreamAPIError) -> [JSONObject] {
        let view = resolved.view
        var chain = [view.latest]
        var seen: Set<String> = [view.latestID]
        while let previous = RunTag(response: chain[0])?.continuation?.previousID, previous != view.id, seen.insert(previous).inserted {
            let reply = try await transport.send(.get, Self.responsePath(previous), requestID: context.requestID)
            chain.insert(reply.object, at: 0)
        }
        if view.latestID != view.id { chain.insert(view.first, at: 0) }
        return chain
    }

    /// Every step of the run, oldest first.
    func steps(threadID: String, runID: String, _ context: UpstreamCallContext) async throws(UpstreamAPIError) -> [JSONObject] {
        let resolved = try await resolve(threadID: threadID, runID: runID, context)
        let view = resolved.view
        let chain = try await chain(of: resolved, context)
        var steps: [JSONObject] = []
        for (index, response) in chain.enumerated() {
            let output = (response["output"]?.arrayValue ?? []).compactMap(\.objectValue)
            let calls = output.filter { $0["type"]?.stringValue == "function_call" }
            let status = Self.stepStatus(response, isLast: index == chain.count - 1, view: view)
            var base: JSONObject = [
                "object": "thread.run.step", "created_at": response["created_at"] ?? .null, "run_id": .string(runID),
                "assistant_id": view.assistantID.map(JSONValue.string) ?? .null, "thread_id": .string(threadID),
                "status": .string(status), "cancelled_at": .null, "expired_at": .null, "failed_at": .null,
                "completed_at": status == "completed" ? response["completed_at"] ?? .null : .null,
                "last_error": .null, "metadata": [:], "usage": Self.stepUsage(response["usage"]),
            ]
            if let first = calls.first {
                var outputs: [String: JSONValue] = [:]
                if index + 1 < chain.count, let nextID = chain[index + 1]["id"]?.stringValue {
                    let items = try await transport.send(
                        .get, Self.responsePath(nextID) + "/input_items", query: [("limit", "100")], requestID: context.requestID
                    ).object
                    for item in (items["data"]?.arrayValue ?? []) where item["type"]?.stringValue == "function_call_output" {
                        if let callID = item["call_id"]?.stringValue { outputs[callID] = item["output"] ?? .null }
                    }
                }
                let toolCalls: [JSONValue] = calls.map { call in
                    [
                        "id": call["call_id"] ?? .null, "type": "function",
                        "function": [
                            "name": call["name"] ?? .null, "arguments": call["arguments"] ?? "{}",
                            "output": call["call_id"]?.stringValue.flatMap { outputs[$0] } ?? .null,
                        ],
                    ]
                }
                base["id"] = .string("step_" + (first["id"]?.stringValue ?? ""))
                base["type"] = "tool_calls"
                base["step_details"] = ["type": "tool_calls", "tool_calls": .array(toolCalls)]
                steps.append(base)
            }
            for message in output where MessageMapping.isMessage(message) {
                base["id"] = .string("step_" + (message["id"]?.stringValue ?? ""))
                base["type"] = "message_creation"
                base["step_details"] = ["type": "message_creation", "message_creation": ["message_id": message["id"] ?? .null]]
                steps.append(base)
            }
        }
        return steps
    }

    /// A step's status from its response: a round awaiting outputs is still in progress.
    static func stepStatus(_ response: JSONObject, isLast: Bool, view: RunView) -> String {
        switch response["status"]?.stringValue ?? "" {
        case "queued", "in_progress": return "in_progress"
        case "failed": return "failed"
        case "cancelled": return "cancelled"
        case "completed" where isLast && view.status == .requiresAction: return "in_progress"
        case "completed" where isLast && view.status == .cancelled: return "cancelled"
        default: return "completed"
        }
    }

    static func stepUsage(_ usage: JSONValue?) -> JSONValue {
        guard let usage = usage?.objectValue else { return .null }
        let prompt = usage["input_tokens"]?.int64Value ?? 0
        let completion = usage["output_tokens"]?.int64Value ?? 0
        return ["prompt_tokens": .int(prompt), "completion_tokens": .int(completion), "total_tokens": .int(prompt + completion)]
    }
}
