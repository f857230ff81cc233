extension RoutedRequest {
    /// The integer query parameter `name`, or `default` when absent.
    ///
    /// ```swift
    /// let limit = try request.intQuery("limit", range: 1...100, default: 20)
    /// ```
    /// - Throws: 400 `invalid_parameter` (with `param` set) when present but not a decimal
    ///   integer within `range`. Only the first occurrence counts.
    public func intQuery(_ name: String, range: ClosedRange<Int>, default defaultValue: Int) throws(APIError) -> Int {
        try intQuery(name, range: range) ?? defaultValue
    }

    /// The integer query parameter `name`, or nil when absent.
    /// - Throws: 400 `invalid_parameter` when present but not a decimal integer within `range`.
    public func intQuery(_ name: String, range: ClosedRange<Int>) throws(APIError) -> Int? {
        guard let text = query[name] else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw APIError.invalidParameter(
                name,
                message: "Invalid '\(name)': expected an integer from \(range.lowerBound) to \(range.upperBound).")
        }
        return value
    }

    /// The query parameter `name`, which must be one of `allowed`, or `default` when absent.
    ///
    /// ```swift
    /// let order = try request.stringQuery("order", oneOf: ["asc", "desc"], default: "desc")
    /// ```
    /// - Throws: 400 `invalid_parameter` (with `param` set) for any other value.
    public func stringQuery(_ name: String, oneOf allowed: [String], default defaultValue: String) throws(APIError) -> String {
        guard let text = query[name] else { return defaultValue }
        guard allowed.contains(text) else {
            let list = allowed.map { "'\($0)'" }.joined(separator: ", ")
            throw APIError.invalidParameter(name, message: "Invalid '\(name)': expected one of \(list).")
        }
        return text
    }
}
