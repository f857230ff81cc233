#if canImport(Glibc)
import Glibc
#endif
public import JSON

/// What one frontend assistant id means on an upstream without assistants: a model, its
/// instructions and its function tools, sent with every response of a run of that assistant.
///
/// ```swift
/// let profile = ResponsesProfile(assistantID: "asst_default", model: "gpt-4o", instructions: "Be brief.")
/// ```
public struct ResponsesProfile: Sendable, Hashable {
    public var assistantID: String
    public var model: String
    public var instructions: String?
    /// Function tools in the Responses shape (`{"type":"function","name",…}`).
    public var tools: [JSONValue]
    /// Shown as the assistant's `name` (the id when nil).
    public var name: String?

    /// - Parameter tools: function tools in either the Responses shape or the Assistants shape
    ///   (`{"type":"function","function":{"name",…}}`); the latter are flattened.
    public init(assistantID: String, model: String, instructions: String? = nil, tools: [JSONValue] = [], name: String? = nil) {
        self.assistantID = assistantID
        self.model = model
        self.instructions = instructions
        self.tools = tools.map(ToolMapping.responsesTool)
        self.name = name
    }

    /// The profiles of a JSON file such as
    /// `{"asst_default": {"model": "gpt-4o", "instructions": "…", "tools": [{"type": "function", "name": "get_weather"}]}}`.
    ///
    /// Each entry needs a string `model`; `instructions` and `name` are optional strings,
    /// `tools` an optional array of function tools (either shape). Ids must be non-empty and
    /// free of spaces.
    public static func parse(_ bytes: some Collection<UInt8>) throws(ResponsesProfileError) -> [ResponsesProfile] {
        let root: JSONValue
        do {
            root = try JSONValue(parsing: bytes)
        } catch {
            throw ResponsesProfileError("the profiles are not JSON (\(error))")
        }
        guard let entries = root.objectValue else { throw ResponsesProfileError("the profiles must be a JSON object keyed by assistant id") }
        var profiles: [ResponsesProfile] = []
        for (id, value) in entries {
            guard !id.isEmpty, !id.contains(where: \.isWhitespace) else {
                throw ResponsesProfileError("assistant id '\(id)' must be non-empty and without spaces")
            }
            guard let entry = value.objectValue else { throw ResponsesProfileError("profile '\(id)' must be an object") }
            for key in entry.keys where !["model", "instructions", "tools", "name"].contains(key) {
                throw ResponsesProfileError("profile '\(id)' has an unknown field '\(key)'")
            }
            guard let model = entry["model"]?.stringValue, !model.isEmpty else {
                throw ResponsesProfileError("profile '\(id)' needs a string 'model'")
            }
            let instructions = try optionalString(entry, "instructions", id)
            let name = try optionalString(entry, "name", id)
            var tools: [JSONValue] = []
            if let value = entry["tools"], !value.isNull {
                guard let array = value.arrayValue else { throw ResponsesProfileError("profile '\(id)': 'tools' must be an array") }
                for tool in array {
                    let flat = ToolMapping.responsesTool(tool)
                    guard flat["type"]?.stringValue == "function", let toolName = flat["name"]?.stringValue, !toolName.isEmpty else {
                        throw ResponsesProfileError("profile '\(id)': every tool must be a function tool with a name")
                    }
                    tools.append(flat)
                }
            }
            profiles.append(ResponsesProfile(assistantID: id, model: model, instructions: instructions, tools: tools, name: name))
        }
        return profiles
    }

    /// The profiles of the JSON file at `path` (read once, at startup: this blocks).
    public static func load(path: String) throws(ResponsesProfileError) -> [ResponsesProfile] {
        guard let file = fopen(path, "rb") else { throw ResponsesProfileError("cannot open the profiles file '\(path)'") }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            if count > 0 { bytes += buffer[0..<count] }
            if count < buffer.count { break }
        }
        guard ferror(file) == 0 else { throw ResponsesProfileError("cannot read the profiles file '\(path)'") }
        return try parse(bytes)
    }

    private static func optionalString(_ entry: JSONObject, _ key: String, _ id: String) throws(ResponsesProfileError) -> String? {
        guard let value = entry[key], !value.isNull else { return nil }
        guard let text = value.stringValue else { throw ResponsesProfileError("profile '\(id)': '\(key)' must be a string") }
        return text
    }
}

/// A profiles file that could not be used.
public struct ResponsesProfileError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
