public import JSON

/// The body of `POST /assistants` (`S.CreateAssistantRequest`).
///
/// `extra` holds further body fields (`temperature`, `response_format`, …); the typed fields
/// win over keys of the same name in it.
public struct CreateAssistantRequest: Sendable {
    public var model: String
    public var name: String?
    public var description: String?
    public var instructions: String?
    public var tools: [AssistantTool]?
    public var metadata: Metadata?
    public var extra: JSONObject

    public init(
        model: String, name: String? = nil, description: String? = nil, instructions: String? = nil,
        tools: [AssistantTool]? = nil, metadata: Metadata? = nil, extra: JSONObject = [:]
    ) {
        self.model = model
        self.name = name
        self.description = description
        self.instructions = instructions
        self.tools = tools
        self.metadata = metadata
        self.extra = extra
    }

    public var body: JSONObject {
        var body = extra
        body["model"] = .string(model)
        body.set("name", name)
        body.set("description", description)
        body.set("instructions", instructions)
        if let tools { body["tools"] = .array(tools.map { .object($0.raw) }) }
        if let metadata { body["metadata"] = metadata.json }
        return body
    }
}

/// The body of `POST /assistants/{id}` (`S.ModifyAssistantRequest`): only the fields set change.
public struct ModifyAssistantRequest: Sendable {
    public var model: String?
    public var name: String?
    public var description: String?
    public var instructions: String?
    public var tools: [AssistantTool]?
    public var metadata: Metadata?
    public var extra: JSONObject

    public init(
        model: String? = nil, name: String? = nil, description: String? = nil, instructions: String? = nil,
        tools: [AssistantTool]? = nil, metadata: Metadata? = nil, extra: JSONObject = [:]
    ) {
        self.model = model
        self.name = name
        self.description = description
        self.instructions = instructions
        self.tools = tools
        self.metadata = metadata
        self.extra = extra
    }

    public var body: JSONObject {
        var body = extra
        body.set("model", model)
        body.set("name", name)
        body.set("description", description)
        body.set("instructions", instructions)
        if let tools { body["tools"] = .array(tools.map { .object($0.raw) }) }
        if let metadata { body["metadata"] = metadata.json }
        return body
    }
}

extension JSONObject {
    /// Sets `key` to the string when there is one; leaves the object alone for nil.
    mutating func set(_ key: String, _ value: String?) {
        if let value { self[key] = .string(value) }
    }
}
