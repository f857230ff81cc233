public import JSON

/// One entry of an assistant's or run's `tools`: `function`, `code_interpreter`,
/// `file_search`, or a type this client does not know, all kept whole in `raw`.
///
/// ```swift
/// let tool = AssistantTool.function(name: "get_weather", parameters: ["type": "object"])
/// ```
public struct AssistantTool: Sendable, Hashable {
    /// The tool object as sent or received.
    public var raw: JSONObject

    public init(raw: JSONObject) { self.raw = raw }

    /// `function`, `code_interpreter`, `file_search`, …
    public var type: String { raw["type"]?.stringValue ?? "" }
    /// The function's name for `function` tools.
    public var functionName: String? { raw["function"]?["name"]?.stringValue }

    /// A function tool.
    public static func function(name: String, description: String? = nil, parameters: JSONValue? = nil, strict: Bool? = nil) -> AssistantTool {
        var function: JSONObject = ["name": .string(name)]
        if let description { function["description"] = .string(description) }
        if let parameters { function["parameters"] = parameters }
        if let strict { function["strict"] = .bool(strict) }
        return AssistantTool(raw: ["type": "function", "function": .object(function)])
    }

    public static var codeInterpreter: AssistantTool { AssistantTool(raw: ["type": "code_interpreter"]) }
    public static var fileSearch: AssistantTool { AssistantTool(raw: ["type": "file_search"]) }
}
