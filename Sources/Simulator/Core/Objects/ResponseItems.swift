import JSON

/// Conversation and response items (`InputItem` in, `ConversationItem` out): messages,
/// `function_call` and `function_call_output`. Parsed items carry no `id` yet; the state
/// assigns one (`msg_…`, `fc_…`, `fco_…`) when it stores them.
enum ResponseItems {
    static let roles = ["user", "assistant", "system", "developer"]

    /// Every item of `values` (the body's `input` or `items` array at `param`), validated.
    static func parse(_ values: [JSONValue], param: String) throws(SimulatorError) -> [JSONObject] {
        var items: [JSONObject] = []
        for (index, value) in values.enumerated() {
            items.append(try parse(value, param: "\(param)[\(index)]"))
        }
        return items
    }

    /// `input` of `POST /responses`: a string (one user message) or an array of items.
    static func parseInput(_ value: JSONValue?) throws(SimulatorError) -> [JSONObject] {
        guard let value, !value.isNull else { return [] }
        if let text = value.stringValue { return [message(role: "user", content: [inputText(text)])] }
        guard let array = value.arrayValue else {
            throw .invalidType("input", expected: "a string or an array", got: value.kind)
        }
        return try parse(array, param: "input")
    }

    static func parse(_ value: JSONValue, param: String) throws(SimulatorError) -> JSONObject {
        guard let object = value.objectValue else { throw .invalidType(param, expected: "an object", got: value.kind) }
        let type = try BodyReader(object, path: param, allowed: Set(object.keys)).string("type") ?? "message"
        switch type {
        case "message":
            let reader = try BodyReader(object, path: param, allowed: ["type", "role", "content", "id", "status", "phase"])
            let role = try reader.requiredString("role")
            guard roles.contains(role) else { throw .invalidValue(reader.param("role"), value: role, supported: roles) }
            guard let content = reader.value("content") else { throw .missingParameter(reader.param("content")) }
            return message(role: role, content: try parseContent(content, role: role, param: reader.param("content")))
        case "function_call_output":
            let reader = try BodyReader(object, path: param, allowed: ["type", "call_id", "output", "id", "status"])
            let callID = try reader.requiredString("call_id", maxLength: 64)
            guard let output = reader.value("output") else { throw .missingParameter(reader.param("output")) }
            guard output.stringValue != nil || output.arrayValue != nil else {
                throw .invalidType(reader.param("output"), expected: "a string or an array", got: output.kind)
            }
            return ["type": "function_call_output", "call_id": .string(callID), "output": output, "status": "completed"]
        case "function_call":
            let reader = try BodyReader(
                object, path: param, allowed: ["type", "call_id", "name", "arguments", "id", "status", "namespace"])
            return [
                "type": "function_call", "status": "completed", "arguments": .string(try reader.requiredString("arguments")),
                "call_id": .string(try reader.requiredString("call_id")), "name": .string(try reader.requiredString("name")),
            ]
        default:
            throw .invalidValue("\(param).type", value: type, supported: ["message", "function_call", "function_call_output"])
        }
    }

    /// A string (one text part) or an array of content parts.
    static func parseContent(_ value: JSONValue, role: String, param: String) throws(SimulatorError) -> [JSONValue] {
        if let text = value.stringValue { return [role == "assistant" ? outputText(text) : inputText(text)] }
        guard let parts = value.arrayValue else {
            throw .invalidType(param, expected: "a string or an array", got: value.kind)
        }
        var content: [JSONValue] = []
        for (index, part) in parts.enumerated() {
            let path = "\(param)[\(index)]"
            guard let object = part.objectValue else { throw .invalidType(path, expected: "an object", got: part.kind) }
            guard let type = object["type"]?.stringValue else { throw .missingParameter("\(path).type") }
            switch type {
            case "input_text":
                let reader = try BodyReader(object, path: path, allowed: ["type", "text"])
                content.append(inputText(try reader.requiredString("text")))
            case "output_text":
                let reader = try BodyReader(object, path: path, allowed: ["type", "text", "annotations", "logprobs"])
                content.append(outputText(try reader.requiredString("text")))
            case "refusal", "input_image", "input_file", "input_audio":
                content.append(part)
            default:
                throw .invalidValue(
                    "\(path).type", value: type,
                    supported: ["input_text", "output_text", "refusal", "input_image", "input_file", "input_audio"])
            }
        }
        return content
    }

    static func message(role: String, content: [JSONValue], status: String = "completed") -> JSONObject {
        ["type": "message", "status": .string(status), "content": .array(content), "role": .string(role)]
    }

    static func inputText(_ text: String) -> JSONValue { ["type": "input_text", "text": .string(text)] }

    static func outputText(_ text: String) -> JSONValue {
        ["type": "output_text", "annotations": [], "logprobs": [], "text": .string(text)]
    }

    /// The id kind for a stored item of `type`.
    static func idKind(of item: JSONObject) -> IDGenerator.Kind {
        switch item["type"]?.stringValue {
        case "function_call": .functionCall
        case "function_call_output": .functionCallOutput
        default: .message
        }
    }

    /// `item` with `id` first, as the upstream prints it.
    static func withID(_ id: String, _ item: JSONObject) -> JSONValue {
        var object: JSONObject = ["id": .string(id)]
        for (key, value) in item where key != "id" { object[key] = value }
        return .object(object)
    }

    /// The text parts of a message item joined with newlines; nil for other items.
    static func text(of item: JSONValue) -> String? {
        guard item["type"]?.stringValue == "message" else { return nil }
        let parts = item["content"]?.arrayValue ?? []
        return parts.compactMap { part in
            let type = part["type"]?.stringValue
            return type == "input_text" || type == "output_text" ? part["text"]?.stringValue : nil
        }.joined(separator: "\n")
    }

    static func isUserMessage(_ item: JSONValue) -> Bool {
        item["type"]?.stringValue == "message" && item["role"]?.stringValue == "user"
    }
}

/// Checks the `tools` of `POST /responses`: objects with a `type`; function tools are flat
/// (`{"type":"function","name","parameters","strict","description"}`). Other tool types are
/// kept as given and never called.
enum ResponseToolRules {
    static func validate(_ tools: [JSONValue]) throws(SimulatorError) -> [JSONValue] {
        for (index, tool) in tools.enumerated() {
            let path = "tools[\(index)]"
            guard let object = tool.objectValue else { throw .invalidType(path, expected: "an object", got: tool.kind) }
            guard let type = object["type"]?.stringValue else { throw .missingParameter("\(path).type") }
            guard type == "function" else { continue }
            let reader = try BodyReader(
                object, path: path, allowed: ["type", "name", "description", "parameters", "strict", "defer_loading"])
            let name = try reader.requiredString("name")
            guard (1...64).contains(name.utf8.count),
                name.utf8.allSatisfy({ $0.isASCIIAlphanumeric || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") })
            else {
                throw .invalid(
                    "Invalid '\(path).name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]{1,64}$'.",
                    param: "\(path).name", code: "invalid_value")
            }
            _ = try reader.string("description")
            _ = try reader.object("parameters")
            _ = try reader.bool("strict")
        }
        return tools
    }

    static func functionNames(_ tools: [JSONValue]) -> [String] {
        tools.compactMap { $0["type"]?.stringValue == "function" ? $0["name"]?.stringValue : nil }
    }
}
