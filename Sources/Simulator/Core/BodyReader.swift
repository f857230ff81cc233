import JSON

/// Reads one JSON object of a request body the way the upstream validates it: unknown keys
/// are refused (`Unknown parameter: 'x'.`), and every typed read names the full parameter
/// path (`additional_messages[0].content`) in its error.
struct BodyReader {
    let object: JSONObject
    /// The path of this object inside the body; empty for the body itself.
    let path: String

    /// - Throws: `unknown_parameter` for the first key not in `allowed`.
    init(_ object: JSONObject, path: String = "", allowed: Set<String>) throws(SimulatorError) {
        for key in object.keys where !allowed.contains(key) {
            throw .unknownParameter(path.isEmpty ? key : "\(path).\(key)")
        }
        self.object = object
        self.path = path
    }

    /// Reads `value` (at `path`) as an object with only `allowed` keys.
    init(_ value: JSONValue, path: String, allowed: Set<String>) throws(SimulatorError) {
        guard let object = value.objectValue else { throw .invalidType(path, expected: "an object", got: value.kind) }
        try self.init(object, path: path, allowed: allowed)
    }

    func param(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The value at `key` unless absent or null.
    func value(_ key: String) -> JSONValue? {
        guard let value = object[key], !value.isNull else { return nil }
        return value
    }

    func contains(_ key: String) -> Bool { object[key] != nil }

    func string(_ key: String, maxLength: Int? = nil) throws(SimulatorError) -> String? {
        guard let value = value(key) else { return nil }
        guard let string = value.stringValue else { throw .invalidType(param(key), expected: "a string", got: value.kind) }
        if let maxLength, string.count > maxLength {
            throw .stringTooLong(param(key), max: maxLength, length: string.count)
        }
        return string
    }

    func requiredString(_ key: String, maxLength: Int? = nil) throws(SimulatorError) -> String {
        guard let string = try string(key, maxLength: maxLength) else { throw .missingParameter(param(key)) }
        return string
    }

    func bool(_ key: String) throws(SimulatorError) -> Bool? {
        guard let value = value(key) else { return nil }
        guard let bool = value.boolValue else { throw .invalidType(param(key), expected: "a boolean", got: value.kind) }
        return bool
    }

    func int(_ key: String, minimum: Int? = nil) throws(SimulatorError) -> Int? {
        guard let value = value(key) else { return nil }
        guard let int = value.intValue else { throw .invalidType(param(key), expected: "an integer", got: value.kind) }
        if let minimum, int < minimum {
            throw .invalid(
                "Invalid '\(param(key))': integer below minimum value. Expected a value >= \(minimum), but got \(int) instead.",
                param: param(key), code: "integer_below_min_value")
        }
        return int
    }

    func number(_ key: String, range: ClosedRange<Double>) throws(SimulatorError) -> JSONValue? {
        guard let value = value(key) else { return nil }
        guard let number = value.doubleValue else { throw .invalidType(param(key), expected: "a number", got: value.kind) }
        guard range.contains(number) else {
            throw .invalid(
                "Invalid '\(param(key))': expected a number from \(range.lowerBound) to \(range.upperBound), but got \(number) instead.",
                param: param(key), code: "invalid_value")
        }
        return value
    }

    func object(_ key: String) throws(SimulatorError) -> JSONObject? {
        guard let value = value(key) else { return nil }
        guard let object = value.objectValue else { throw .invalidType(param(key), expected: "an object", got: value.kind) }
        return object
    }

    func array(_ key: String, maxItems: Int? = nil) throws(SimulatorError) -> [JSONValue]? {
        guard let value = value(key) else { return nil }
        guard let array = value.arrayValue else { throw .invalidType(param(key), expected: "an array", got: value.kind) }
        if let maxItems, array.count > maxItems {
            throw .invalid(
                "Invalid '\(param(key))': array too long. Expected an array with maximum length \(maxItems), but got an array with length \(array.count) instead.",
                param: param(key), code: "array_above_max_length")
        }
        return array
    }

    /// A value passed through as given (`response_format`, `tool_choice`, …) when its kind is one of `kinds`.
    func passthrough(_ key: String, kinds: [JSONKind], expected: String) throws(SimulatorError) -> JSONValue? {
        guard let value = value(key) else { return nil }
        guard kinds.contains(value.kind) || (value.kind == .integer && kinds.contains(.number)) else {
            throw .invalidType(param(key), expected: expected, got: value.kind)
        }
        return value
    }
}

extension JSONValue {
    var kind: JSONKind {
        switch self {
        case .null: .null
        case .bool: .boolean
        case .int: .integer
        case .double: .number
        case .string: .string
        case .array: .array
        case .object: .object
        }
    }
}
