extension JSONValue {
    /// The string, if this is `.string`.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The number as an `Int` when it is integral and in range: `.int`, or a `.double` with no
    /// fractional part (`20.0` gives 20, `20.5` gives nil).
    public var intValue: Int? {
        switch self {
        case .int(let value): Int(exactly: value)
        case .double(let value): Self.exactInt64(value).flatMap { Int(exactly: $0) }
        case .null, .bool, .string, .array, .object: nil
        }
    }

    /// The number as an `Int64`, under the same rule as ``intValue``.
    public var int64Value: Int64? {
        switch self {
        case .int(let value): value
        case .double(let value): Self.exactInt64(value)
        case .null, .bool, .string, .array, .object: nil
        }
    }

    /// `value` as an `Int64` when it is integral and in range.
    ///
    /// Written with a truncating conversion and a compare rather than `Int64(exactly:)`,
    /// which calls libm's `trunc` and so needs `-lm` at link time.
    private static func exactInt64(_ value: Double) -> Int64? {
        guard value >= -0x1p63, value < 0x1p63 else { return nil }  // false for NaN too
        let integer = Int64(value)
        return Double(integer) == value ? integer : nil
    }

    /// Any number as a `Double` (integers beyond 2^53 round).
    public var doubleValue: Double? {
        switch self {
        case .int(let value): Double(value)
        case .double(let value): value
        case .null, .bool, .string, .array, .object: nil
        }
    }

    /// The Boolean, if this is `.bool`.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The object, if this is `.object`.
    public var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// The elements, if this is `.array`.
    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// Whether this is `.null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The value for `key` when this is an object that has it; nil otherwise.
    public subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }

    /// The element at `index` when this is an array that long; nil otherwise.
    public subscript(index: Int) -> JSONValue? {
        guard case .array(let elements) = self, elements.indices.contains(index) else { return nil }
        return elements[index]
    }

    /// The JSON type's name for messages: `null`, `boolean`, `number`, `string`, `array`, `object`.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .int, .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}
