import JSON

/// One run (`S.RunObject`) with its lifecycle, steps, tool calls and event log.
struct RunRecord: Sendable {
    let id: String
    let threadID: String
    let assistantID: String
    let createdAt: Int64  // milliseconds
    var lifecycle: RunLifecycle
    var model: String
    var instructions: String?
    var tools: [JSONValue]
    var metadata: JSONObject
    var temperature: JSONValue
    var topP: JSONValue
    var maxPromptTokens: JSONValue = .null
    var maxCompletionTokens: JSONValue = .null
    var truncationStrategy: JSONValue = ["type": "auto", "last_messages": .null]
    var toolChoice: JSONValue = "auto"
    var parallelToolCalls: JSONValue = true
    var responseFormat: JSONValue
    var reasoningEffort: JSONValue?

    var startedAt: Int64?
    var cancelledAt: Int64?
    var failedAt: Int64?
    var completedAt: Int64?
    var lastError: JSONValue = .null
    var incompleteDetails: JSONValue = .null

    /// The echoed user text (markers removed) and the function tools it names.
    let script: RunScript
    let calledTools: [String]
    /// Tool calls per round, outputs filled once submitted.
    var rounds: [[ToolCall]] = []
    var steps: [RunStepRecord] = []
    /// The step in progress, if any (index into `steps`).
    var currentStep: Int?
    var replyMessageID: String?
    var replyText = ""
    var replyWritten = ""
    var promptTokens: Int
    var completionTokens = 0
    var log = EventLog()

    var status: RunLifecycle.Status { lifecycle.status }

    var requiredAction: JSONValue {
        guard status == .requiresAction, let calls = rounds.last else { return .null }
        return [
            "type": "submit_tool_outputs", "submit_tool_outputs": ["tool_calls": .array(calls.map(\.requiredJSON))],
        ]
    }

    /// Every submitted output so far, round by round, in call order.
    var toolOutputs: [(name: String, output: String)] {
        rounds.flatMap { $0.compactMap { call in call.output.map { (call.name, $0) } } }
    }

    var json: JSONValue {
        let terminal = status.isTerminal
        var object: JSONObject = [
            "id": .string(id), "object": "thread.run", "created_at": .seconds(createdAt), "assistant_id": .string(assistantID),
            "thread_id": .string(threadID), "status": .string(status.rawValue), "started_at": .seconds(startedAt),
            "expires_at": terminal ? .null : .int(createdAt / 1000 + lifecycle.timing.expiryMillis / 1000),
            "cancelled_at": .seconds(cancelledAt), "failed_at": .seconds(failedAt), "completed_at": .seconds(completedAt),
            "required_action": requiredAction, "last_error": lastError, "model": .string(model),
            "instructions": .text(instructions), "tools": .array(tools), "metadata": .object(metadata),
            "temperature": temperature, "top_p": topP, "max_completion_tokens": maxCompletionTokens,
            "max_prompt_tokens": maxPromptTokens, "truncation_strategy": truncationStrategy,
            "incomplete_details": incompleteDetails,
            "usage": terminal ? .usage(prompt: promptTokens, completion: completionTokens) : .null,
            "response_format": responseFormat, "tool_choice": toolChoice, "parallel_tool_calls": parallelToolCalls,
        ]
        if let reasoningEffort { object["reasoning_effort"] = reasoningEffort }
        return .object(object)
    }
}
