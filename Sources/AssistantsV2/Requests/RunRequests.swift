public import JSON

/// The body of `POST /threads/{id}/runs` (`S.CreateRunRequest`); `stream` is set by the
/// streaming calls.
///
/// ```swift
/// let request = CreateRunRequest(assistantID: "asst_default", additionalMessages: [.user("Hello")])
/// ```
public struct CreateRunRequest: Sendable {
    public var assistantID: String
    public var model: String?
    /// Replaces the assistant's instructions for this run.
    public var instructions: String?
    /// Appended to the instructions for this run.
    public var additionalInstructions: String?
    /// Added to the thread before the run starts: one request for message and run together.
    public var additionalMessages: [CreateMessageRequest]?
    /// Replaces the assistant's tools for this run.
    public var tools: [AssistantTool]?
    public var metadata: Metadata?
    public var extra: JSONObject

    public init(
        assistantID: String, model: String? = nil, instructions: String? = nil, additionalInstructions: String? = nil,
        additionalMessages: [CreateMessageRequest]? = nil, tools: [AssistantTool]? = nil, metadata: Metadata? = nil,
        extra: JSONObject = [:]
    ) {
        self.assistantID = assistantID
        self.model = model
        self.instructions = instructions
        self.additionalInstructions = additionalInstructions
        self.additionalMessages = additionalMessages
        self.tools = tools
        self.metadata = metadata
        self.extra = extra
    }

    public var body: JSONObject {
        var body = extra
        body["assistant_id"] = .string(assistantID)
        body.set("model", model)
        body.set("instructions", instructions)
        body.set("additional_instructions", additionalInstructions)
        if let additionalMessages { body["additional_messages"] = .array(additionalMessages.map { .object($0.body) }) }
        if let tools { body["tools"] = .array(tools.map { .object($0.raw) }) }
        if let metadata { body["metadata"] = metadata.json }
        return body
    }
}

/// The body of `POST /threads/runs` (`S.CreateThreadAndRunRequest`): a new thread and its run.
public struct CreateThreadAndRunRequest: Sendable {
    public var assistantID: String
    public var thread: CreateThreadRequest?
    public var model: String?
    public var instructions: String?
    public var tools: [AssistantTool]?
    public var metadata: Metadata?
    public var extra: JSONObject

    public init(
        assistantID: String, thread: CreateThreadRequest? = nil, model: String? = nil, instructions: String? = nil,
        tools: [AssistantTool]? = nil, metadata: Metadata? = nil, extra: JSONObject = [:]
    ) {
        self.assistantID = assistantID
        self.thread = thread
        self.model = model
        self.instructions = instructions
        self.tools = tools
        self.metadata = metadata
        self.extra = extra
    }

    public var body: JSONObject {
        var body = extra
        body["assistant_id"] = .string(assistantID)
        if let thread { body["thread"] = .object(thread.body) }
        body.set("model", model)
        body.set("instructions", instructions)
        if let tools { body["tools"] = .array(tools.map { .object($0.raw) }) }
        if let metadata { body["metadata"] = metadata.json }
        return body
    }
}

/// One answer to a `requires_action` tool call. All of a run's outputs go in one request.
public struct ToolOutput: Sendable, Hashable {
    public var toolCallID: String
    public var output: String

    public init(toolCallID: String, output: String) {
        self.toolCallID = toolCallID
        self.output = output
    }

    var json: JSONValue { ["tool_call_id": .string(toolCallID), "output": .string(output)] }
}
