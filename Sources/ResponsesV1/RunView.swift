import JSON
import UpstreamAPI

/// One frontend run as the upstream holds it: the chain's first response (the run's id,
/// creation, options, metadata) and its latest (status, output, usage).
struct RunView: Sendable {
    var first: JSONObject
    var latest: JSONObject
    /// Cancelled while it awaited tool outputs (the upstream responses had all completed).
    var cancelled: Bool = false
    var pollAfter: Duration?

    var id: String { first["id"]?.stringValue ?? "" }
    var assistantID: String? { RunTag(response: first)?.assistantID }
    var latestID: String { latest["id"]?.stringValue ?? "" }

    /// The function calls the latest response asks the caller to answer, when it ended with
    /// calls and no message.
    var pendingCalls: [JSONObject] {
        Self.pendingCalls(of: latest)
    }

    static func pendingCalls(of response: JSONObject) -> [JSONObject] {
        guard response["status"]?.stringValue == "completed" else { return [] }
        let output = (response["output"]?.arrayValue ?? []).compactMap(\.objectValue)
        guard !output.contains(where: MessageMapping.isMessage) else { return [] }
        return output.filter { $0["type"]?.stringValue == "function_call" }
    }

    var status: RunState {
        if cancelled { return .cancelled }
        switch latest["status"]?.stringValue ?? "" {
        case "queued": return .queued
        case "in_progress": return .inProgress
        case "completed": return pendingCalls.isEmpty ? .completed : .requiresAction
        case "failed": return .failed
        case "cancelled": return .cancelled
        case "incomplete": return .incomplete
        case let other: return RunState(rawValue: other)
        }
    }

    /// The run with every round's tokens: earlier rounds from the latest response's tag.
    var usage: JSONValue {
        let carried = RunTag(response: latest)?.continuation
        let usage = latest["usage"]?.objectValue
        guard status.isTerminal, usage != nil || carried != nil else { return .null }
        let prompt = (usage?["input_tokens"]?.int64Value ?? 0) + (carried?.promptTokens ?? 0)
        let completion = (usage?["output_tokens"]?.int64Value ?? 0) + (carried?.completionTokens ?? 0)
        return ["prompt_tokens": .int(prompt), "completion_tokens": .int(completion), "total_tokens": .int(prompt + completion)]
    }

    var upstreamRun: UpstreamRun {
        UpstreamRun(object: object, id: id, status: status, pollAfter: pollAfter)
    }

    /// The run in the frontend's (`thread.run`) shape.
    var object: JSONObject {
        let status = status
        var requiredAction: JSONValue = .null
        if status == .requiresAction {
            let calls: [JSONValue] = pendingCalls.map { call in
                [
                    "id": call["call_id"] ?? .null, "type": "function",
                    "function": ["name": call["name"] ?? .null, "arguments": call["arguments"] ?? "{}"],
                ]
            }
            requiredAction = ["type": "submit_tool_outputs", "submit_tool_outputs": ["tool_calls": .array(calls)]]
        }
        var lastError: JSONValue = .null
        if let error = latest["error"]?.objectValue {
            let code = error["code"]?.stringValue ?? "server_error"
            let known = ["server_error", "rate_limit_exceeded", "invalid_prompt"]
            lastError = ["code": .string(known.contains(code) ? code : "server_error"), "message": error["message"] ?? ""]
        }
        var incompleteDetails: JSONValue = .null
        if let reason = latest["incomplete_details"]?["reason"]?.stringValue {
            incompleteDetails = ["reason": .string(reason == "max_output_tokens" ? "max_completion_tokens" : reason)]
        }
        let createdAt = first["created_at"] ?? .null
        let ended = latest["completed_at"].flatMap { $0.isNull ? nil : $0 } ?? .null
        return [
            "id": .string(id), "object": "thread.run", "created_at": createdAt,
            "assistant_id": assistantID.map(JSONValue.string) ?? .null,
            "thread_id": first["conversation"]?["id"] ?? .null, "status": .string(status.rawValue),
            "started_at": status == .queued ? .null : createdAt,
            "expires_at": .null, "cancelled_at": .null, "failed_at": .null,
            "completed_at": status == .completed ? ended : .null,
            "required_action": requiredAction, "last_error": lastError, "incomplete_details": incompleteDetails,
            "model": first["model"] ?? .null, "instructions": first["instructions"] ?? "",
            "tools": .array((first["tools"]?.arrayValue ?? []).map(ToolMapping.assistantsTool)),
            "metadata": .object((first["metadata"]?.objectValue ?? [:]).withoutThreadgateKeys), "usage": usage,
            "temperature": first["temperature"] ?? .null, "top_p": first["top_p"] ?? .null,
            "max_prompt_tokens": .null, "max_completion_tokens": first["max_output_tokens"] ?? .null,
            "truncation_strategy": ["type": "auto", "last_messages": .null],
            "response_format": ToolMapping.responseFormat(forText: first["text"]),
            "tool_choice": ToolMapping.assistantsToolChoice(first["tool_choice"]),
            "parallel_tool_calls": first["parallel_tool_calls"] ?? true,
        ]
    }
}
