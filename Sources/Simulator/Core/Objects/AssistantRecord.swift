import JSON

/// One assistant (`S.AssistantObject`).
struct AssistantRecord: Sendable {
    let id: String
    let createdAt: Int64  // Unix seconds
    var name: String?
    var description: String?
    var model: String
    var instructions: String?
    var tools: [JSONValue] = []
    var toolResources: JSONValue = [:]
    var metadata: JSONObject = [:]
    var temperature: JSONValue = 1.0
    var topP: JSONValue = 1.0
    var responseFormat: JSONValue = "auto"
    var reasoningEffort: JSONValue?

    static let createKeys: Set<String> = [
        "model", "name", "description", "instructions", "reasoning_effort", "tools", "tool_resources", "metadata",
        "temperature", "top_p", "response_format",
    ]
    /// Keys an `--assistants-file` entry may carry besides the create keys.
    static let preloadKeys = createKeys.union(["id", "object", "created_at"])

    var functionToolNames: [String] { ToolRules.functionNames(tools) }

    /// Applies the fields of a create or modify body (already checked for unknown keys).
    mutating func apply(_ body: BodyReader) throws(SimulatorError) {
        if let model = try body.string("model") { self.model = model }
        if body.contains("name") { name = try body.string("name", maxLength: 256) }
        if body.contains("description") { description = try body.string("description", maxLength: 512) }
        if body.contains("instructions") { instructions = try body.string("instructions", maxLength: 256_000) }
        if let tools = try body.array("tools") { self.tools = try ToolRules.validate(tools) }
        if let resources = try body.object("tool_resources") { toolResources = .object(resources) }
        if let metadata = try MetadataRules.validate(body.value("metadata")) { self.metadata = metadata }
        if let temperature = try body.number("temperature", range: 0...2) { self.temperature = temperature }
        if let topP = try body.number("top_p", range: 0...1) { self.topP = topP }
        if let format = try body.passthrough("response_format", kinds: [.string, .object], expected: "a string or an object") {
            responseFormat = format
        }
        if let effort = try body.string("reasoning_effort") {
            let allowed = ["minimal", "low", "medium", "high"]
            guard allowed.contains(effort) else { throw .invalidValue(body.param("reasoning_effort"), value: effort, supported: allowed) }
            reasoningEffort = .string(effort)
        }
    }

    var json: JSONValue {
        var object: JSONObject = [
            "id": .string(id), "object": "assistant", "created_at": .int(createdAt), "name": .text(name),
            "description": .text(description), "model": .string(model), "instructions": .text(instructions),
            "tools": .array(tools), "tool_resources": toolResources, "metadata": .object(metadata),
            "temperature": temperature, "top_p": topP, "response_format": responseFormat,
        ]
        if let reasoningEffort { object["reasoning_effort"] = reasoningEffort }
        return .object(object)
    }
}

extension AssistantRecord {
    /// The assistants every simulator starts with: `asst_default` (no tools) and `asst_tools`
    /// (function tools `get_weather` and `get_time`).
    static func defaults(createdAt: Int64) -> [AssistantRecord] {
        let queryParameters: JSONValue = [
            "type": "object", "properties": ["query": ["type": "string"]], "required": ["query"],
        ]
        return [
            AssistantRecord(
                id: "asst_default", createdAt: createdAt, name: "Echo", description: "Replies with 'Echo: <your message>'.",
                model: "gpt-4o", instructions: "Echo the last user message."),
            AssistantRecord(
                id: "asst_tools", createdAt: createdAt, name: "Tools demo",
                description: "Calls get_weather and/or get_time when the message names them.", model: "gpt-4o",
                instructions: "Call the tools the user names, then echo the message with their outputs.",
                tools: [
                    [
                        "type": "function",
                        "function": [
                            "name": "get_weather", "description": "Current weather for a place.", "parameters": queryParameters,
                        ],
                    ],
                    [
                        "type": "function",
                        "function": [
                            "name": "get_time", "description": "Current local time for a place.", "parameters": queryParameters,
                        ],
                    ],
                ]),
        ]
    }
}
