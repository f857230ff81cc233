public import JSON

/// A run step (`S.RunStepObject`): `message_creation` or `tool_calls`.
public struct RunStep: AssistantsObject, Hashable {
    public var id: String
    public var runID: String?
    public var threadID: String?
    public var assistantID: String?
    /// `message_creation` or `tool_calls`.
    public var type: String
    public var status: RunStepStatus
    public var createdAt: Int64?
    public var completedAt: Int64?
    /// The message a `message_creation` step writes.
    public var messageID: String?
    /// The calls of a `tool_calls` step.
    public var toolCalls: [StepToolCall]
    public var lastError: RunLastError?
    public var usage: Usage?
    public var metadata: Metadata
    public var raw: JSONObject

    public init(raw: JSONObject) throws(AssistantsError) {
        let reader = FieldReader(raw, "run step")
        id = try reader.requiredString("id")
        runID = reader.string("run_id")
        threadID = reader.string("thread_id")
        assistantID = reader.string("assistant_id")
        type = reader.string("type") ?? ""
        status = RunStepStatus(rawValue: reader.string("status") ?? "")
        createdAt = reader.int64("created_at")
        completedAt = reader.int64("completed_at")
        let details = reader.object("step_details")
        messageID = details?["message_creation"]?["message_id"]?.stringValue
        toolCalls = (details?["tool_calls"]?.arrayValue ?? []).compactMap { $0.objectValue.map(StepToolCall.init(raw:)) }
        lastError = reader.object("last_error").map(RunLastError.init(raw:))
        usage = reader.object("usage").map(Usage.init(raw:))
        metadata = reader.metadata()
        self.raw = raw
    }
}

/// One call in a `tool_calls` step; `output` once submitted.
public struct StepToolCall: Sendable, Hashable {
    public var id: String
    public var type: String
    public var functionName: String?
    public var arguments: String?
    public var output: String?
    public var raw: JSONObject

    public init(raw: JSONObject) {
        id = raw["id"]?.stringValue ?? ""
        type = raw["type"]?.stringValue ?? ""
        functionName = raw["function"]?["name"]?.stringValue
        arguments = raw["function"]?["arguments"]?.stringValue
        output = raw["function"]?["output"]?.stringValue
        self.raw = raw
    }
}
