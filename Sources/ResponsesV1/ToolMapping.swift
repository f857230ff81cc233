import JSON

/// Tools, tool choice and response format between the Assistants shape (the frontend's) and
/// the Responses shape (the upstream's).
enum ToolMapping {
    /// A function tool flattened to the Responses shape; any other tool as given.
    ///
    /// `{"type":"function","function":{"name":"f","parameters":{…}}}` → `{"type":"function","name":"f","parameters":{…}}`
    static func responsesTool(_ tool: JSONValue) -> JSONValue {
        guard tool["type"]?.stringValue == "function", let function = tool["function"]?.objectValue else { return tool }
        var flat: JSONObject = ["type": "function"]
        for key in ["name", "description", "parameters", "strict"] {
            if let value = function[key], !value.isNull { flat[key] = value }
        }
        return .object(flat)
    }

    /// A Responses function tool in the Assistants shape; any other tool as given.
    static func assistantsTool(_ tool: JSONValue) -> JSONValue {
        guard tool["type"]?.stringValue == "function", tool["function"] == nil, let object = tool.objectValue else { return tool }
        var function: JSONObject = [:]
        for key in ["name", "description", "parameters", "strict"] {
            if let value = object[key], !value.isNull { function[key] = value }
        }
        return ["type": "function", "function": .object(function)]
    }

    /// The frontend's `tool_choice` for the upstream: strings as given, a named function flattened.
    static func responsesToolChoice(_ choice: JSONValue) -> JSONValue {
        guard choice["type"]?.stringValue == "function", let name = choice["function"]?["name"] else { return choice }
        return ["type": "function", "name": name]
    }

    /// The upstream's `tool_choice` in the frontend's shape.
    static func assistantsToolChoice(_ choice: JSONValue?) -> JSONValue {
        guard let choice, !choice.isNull else { return "auto" }
        guard choice["type"]?.stringValue == "function", let name = choice["name"] else { return choice }
        return ["type": "function", "function": ["name": name]]
    }

    /// The upstream's `text` for the frontend's `response_format`; nil for `auto` and plain text.
    static func text(forResponseFormat format: JSONValue?) -> JSONValue? {
        guard let format, let type = format["type"]?.stringValue else { return nil }
        switch type {
        case "json_object":
            return ["format": ["type": "json_object"]]
        case "json_schema":
            var flat: JSONObject = ["type": "json_schema"]
            for (key, value) in format["json_schema"]?.objectValue ?? [:] where !value.isNull { flat[key] = value }
            return ["format": .object(flat)]
        default:
            return nil
        }
    }

    /// The frontend's `response_format` for the upstream's `text`.
    static func responseFormat(forText text: JSONValue?) -> JSONValue {
        guard let format = text?["format"]?.objectValue, let type = format["type"]?.stringValue else { return "auto" }
        switch type {
        case "json_object":
            return ["type": "json_object"]
        case "json_schema":
            var schema: JSONObject = [:]
            for (key, value) in format where key != "type" { schema[key] = value }
            return ["type": "json_schema", "json_schema": .object(schema)]
        default:
            return "auto"
        }
    }
}
