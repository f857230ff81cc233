public import JSON

/// Typed reads of request-body fields that fail with 400s naming the field.
extension JSONObject {
    /// The string at `key`.
    /// - Throws: 400 `missing_parameter` when absent or null; 400 `invalid_parameter` otherwise
    ///   when not a string.
    public func requiredString(_ key: String) throws(APIError) -> String {
        guard let value = try optionalString(key) else { throw APIError.missingParameter(key) }
        return value
    }

    /// The string at `key`, or nil when absent or null.
    /// - Throws: 400 `invalid_parameter` when present but not a string.
    public func optionalString(_ key: String) throws(APIError) -> String? {
        guard let value = presentValue(key) else { return nil }
        guard let string = value.stringValue else { throw typeError(key, expected: "a string", got: value) }
        return string
    }

    /// The integer at `key`, or nil when absent or null.
    /// - Throws: 400 `invalid_parameter` when not an integer within `range`.
    public func optionalInt(_ key: String, range: ClosedRange<Int>) throws(APIError) -> Int? {
        guard let value = presentValue(key) else { return nil }
        guard let int = value.intValue else { throw typeError(key, expected: "an integer", got: value) }
        guard range.contains(int) else {
            throw APIError.invalidParameter(
                key, message: "Invalid '\(key)': expected an integer from \(range.lowerBound) to \(range.upperBound).")
        }
        return int
    }

    /// The Boolean at `key`, or nil when absent or null.
    /// - Throws: 400 `invalid_parameter` when present but not a Boolean.
    public func optionalBool(_ key: String) throws(APIError) -> Bool? {
        guard let value = presentValue(key) else { return nil }
        guard let bool = value.boolValue else { throw typeError(key, expected: "a boolean", got: value) }
        return bool
    }

    /// The object at `key`, or nil when absent or null.
    /// - Throws: 400 `invalid_parameter` when present but not an object.
    public func optionalObject(_ key: String) throws(APIError) -> JSONObject? {
        guard let value = presentValue(key) else { return nil }
        guard let object = value.objectValue else { throw typeError(key, expected: "an object", got: value) }
        return object
    }

    private func presentValue(_ key: String) -> JSONValue? {
        guard let value = self[key], !value.isNull else { return nil }
        return value
    }

    private func typeError(_ key: String, expected: String, got value: JSONValue) -> APIError {
        APIError.invalidParameter(
            key, message: "Invalid type for '\(key)': expected \(expected), but got \(value.typeName) instead.")
    }
}
