import JSON

/// Checks the `tools` arrays of assistants and runs (`AssistantToolsCode`, `…FileSearch`,
/// `…Function`) and finds the function tools.
enum ToolRules {
    static let maxTools = 128

    static func validate(_ tools: [JSONValue], param: String = "tools") throws(SimulatorError) -> [JSONValue] {
        if tools.count > maxTools {
            throw .invalid(
                "Invalid '\(param)': array too long. Expected an array with maximum length \(maxTools), but got an array with length \(tools.count) instead.",
                param: param, code: "array_above_max_length")
        }
        for (index, tool) in tools.enumerated() {
            let path = "\(param)[\(index)]"
            guard let object = tool.objectValue else { throw .invalidType(path, expected: "an object", got: tool.kind) }
            guard let type = object["type"]?.stringValue else { throw .missingParameter("\(path).type") }
            switch type {
            case "code_interpreter":
                _ = try BodyReader(object, path: path, allowed: ["type"])
            case "file_search":
                _ = try BodyReader(object, path: path, allowed: ["type", "file_search"])
            case "function":
                let reader = try BodyReader(object, path: path, allowed: ["type", "function"])
                guard let function = reader.value("function") else { throw .missingParameter("\(path).function") }
                let definition = try BodyReader(
                    function, path: "\(path).function", allowed: ["name", "description", "parameters", "strict"])
                let name = try definition.requiredString("name")
                guard (1...64).contains(name.utf8.count),
                    name.utf8.allSatisfy({ $0.isASCIIAlphanumeric || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") })
                else {
                    throw .invalid(
                        "Invalid '\(path).function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]{1,64}$'.",
                        param: "\(path).function.name", code: "invalid_value")
                }
                _ = try definition.string("description")
                _ = try definition.object("parameters")
                _ = try definition.bool("strict")
            default:
                throw .invalidValue("\(path).type", value: type, supported: ["code_interpreter", "file_search", "function"])
            }
        }
        return tools
    }

    /// The names of the function tools in `tools`, in order.
    static func functionNames(_ tools: [JSONValue]) -> [String] {
        tools.compactMap { tool in
            guard tool["type"]?.stringValue == "function" else { return nil }
            return tool["function"]?["name"]?.stringValue
        }
    }
}

extension UInt8 {
    var isASCIIAlphanumeric: Bool {
        (0x30...0x39).contains(self) || (0x41...0x5A).contains(self) || (0x61...0x7A).contains(self)
    }
}
