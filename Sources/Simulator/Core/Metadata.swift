import JSON

/// The upstream's `metadata` rules (`S.Metadata`): at most 16 pairs, keys at most 64
/// characters, values strings of at most 512 characters.
public enum MetadataRules {
    public static let maxPairs = 16
    public static let maxKeyLength = 64
    public static let maxValueLength = 512

    /// Checks `value` (the body's `metadata`) and returns it as an object; nil when absent or null.
    static func validate(_ value: JSONValue?, param: String = "metadata") throws(SimulatorError) -> JSONObject? {
        guard let value, !value.isNull else { return nil }
        guard let object = value.objectValue else { throw .invalidType(param, expected: "an object", got: value.kind) }
        if object.count > maxPairs {
            throw .invalid(
                "Invalid '\(param)': too many properties. Expected an object with at most \(maxPairs) properties, but got an object with \(object.count) properties instead.",
                param: param, code: "object_above_max_properties")
        }
        for (key, entry) in object {
            if key.count > maxKeyLength {
                throw .invalid(
                    "Invalid '\(param)': key too long. Expected keys with maximum length \(maxKeyLength), but got a key with length \(key.count) instead.",
                    param: param, code: "string_above_max_length")
            }
            guard let text = entry.stringValue else {
                throw .invalidType("\(param).\(key)", expected: "a string", got: entry.kind)
            }
            if text.count > maxValueLength {
                throw .stringTooLong("\(param).\(key)", max: maxValueLength, length: text.count)
            }
        }
        return object
    }
}
