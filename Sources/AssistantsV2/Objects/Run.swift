public import JSON

/// A run (`S.RunObject`).
public struct Run: AssistantsObject, Hashable {
    public var id: String
    public var threadID: String?
    public var assistantID: String?
    public var status: RunStatus
    public var createdAt: Int64?
    public var startedAt: Int64?
    /// Unix time the run expires; null once it is terminal.
    public var expiresAt: Int64?
    public var cancelledAt: Int64?
    public var failedAt: Int64?
    public var completedAt: Int64?
    /// The tool calls to answer while `status` is `requiresAction`.
    public var requiredAction: RequiredAction?
    /// Why a `failed` run failed.
    public var lastError: RunLastError?
    /// Why an `incomplete` run stopped.
    public var incompleteDetails: IncompleteDetails?
    /// Tokens used; set once the run is terminal.
    public var usage: Usage?
    public var model: String?
    public var instructions: String?
    public var tools: [AssistantTool]
    public var metadata: Metadata
    public var raw: JSONObject

    public init(raw: JSONObject) throws(AssistantsError) {
        let reader = FieldReader(raw, "run")
        id = try reader.requiredString("id")
        threadID = reader.string("thread_id")
        assistantID = reader.string("assistant_id")
        status = RunStatus(rawValue: reader.string("status") ?? "")
        createdAt = reader.int64("created_at")
        startedAt = reader.int64("started_at")
        expiresAt = reader.int64("expires_at")
        cancelledAt = reader.int64("cancelled_at")
        failedAt = reader.int64("failed_at")
        completedAt = reader.int64("completed_at")
        requiredAction = reader.object("required_action").map(RequiredAction.init(raw:))
        lastError = reader.object("last_error").map(RunLastError.init(raw:))
        incompleteDetails = reader.object("incomplete_details").map(IncompleteDetails.init(raw:))
        usage = reader.object("usage").map(Usage.init(raw:))
        model = reader.string("model")
        instructions = reader.string("instructions")
        tools = reader.tools()
        metadata = reader.metadata()
        self.raw = raw
    }

    /// The function calls to answer, empty unless the run requires action.
    public var toolCalls: [RequiredToolCall] { requiredAction?.toolCalls ?? [] }
}

/// `required_action`: `{"type":"submit_tool_outputs","submit_tool_outputs":{"tool_calls":[…]}}`.
public struct RequiredAction: Sendable, Hashable {
    public var type: String
    public var toolCalls: [RequiredToolCall]
    public var raw: JSONObject

    public init(raw: JSONObject) {
        type = raw["type"]?.stringValue ?? ""
        toolCalls = (raw["submit_tool_outputs"]?["tool_calls"]?.arrayValue ?? []).compactMap {
            $0.objectValue.map(RequiredToolCall.init(raw:))
        }
        self.raw = raw
    }
}

/// One call to answer: `{"id":"call_…","type":"function","function":{"name","arguments"}}`.
public struct RequiredToolCall: Sendable, Hashable {
    public var id: String
    public var type: String
    public var functionName: String
    /// The arguments as the JSON text the model wrote (it may not parse).
    public var arguments: String
    public var raw: JSONObject

    public init(raw: JSONObject) {
        id = raw["id"]?.stringValue ?? ""
        type = raw["type"]?.stringValue ?? ""
        functionName = raw["function"]?["name"]?.stringValue ?? ""
        arguments = raw["function"]?["arguments"]?.stringValue ?? ""
        self.raw = raw
    }
}

/// `usage`: token counts of a run or run step.
public struct Usage: Sendable, Hashable {
    public var promptTokens: Int
    public var completionTokens: Int
    public var totalTokens: Int
    public var raw: JSONObject

    public init(raw: JSONObject) {
        promptTokens = raw["prompt_tokens"]?.intValue ?? 0
        completionTokens = raw["completion_tokens"]?.intValue ?? 0
        totalTokens = raw["total_tokens"]?.intValue ?? (promptTokens + completionTokens)
        self.raw = raw
    }
}

/// `last_error` of a failed run or step: `code` is `server_error`, `rate_limit_exceeded` or
/// `invalid_prompt`.
public struct RunLastError: Sendable, Hashable {
    public var code: String
    public var message: String
    public var raw: JSONObject

    public init(raw: JSONObject) {
        code = raw["code"]?.stringValue ?? ""
        message = raw["message"]?.stringValue ?? ""
        self.raw = raw
    }
}

/// `incomplete_details` of a run or message: `reason` is `max_completion_tokens` or
/// `max_prompt_tokens` (runs), or `content_filter`, `max_tokens`, … (messages).
public struct IncompleteDetails: Sendable, Hashable {
    public var reason: String
    public var raw: JSONObject

    public init(raw: JSONObject) {
        reason = raw["reason"]?.stringValue ?? ""
        self.raw = raw
    }
}
