/// A JSON value, with numbers kept exactly as written where Swift can hold them.
///
/// Integers that fit `Int64` are `.int`; every other number (fractions, exponents, `-0`,
/// integers beyond `Int64`) is `.double`. Equality is structural: `.int(1) != .double(1.0)`,
/// and objects compare by their key/value pairs regardless of order.
///
/// ```swift
/// let value = try JSONValue(parsing: #"{"id":"thread_1","limit":20}"#)
/// value["limit"]?.intValue        // 20
/// value.jsonString                // {"id":"thread_1","limit":20}
/// ```
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// An integer written without fraction or exponent that fits `Int64`.
    case int(Int64)
    /// Any other number. Non-finite values serialize as `null`.
    case double(Double)
    case string(String)
    case array([JSONValue])
    /// An object whose keys keep their order.
    case object(JSONObject)
}

extension JSONValue: CustomStringConvertible {
    /// The compact JSON text of this value.
    public var description: String { jsonString }
}
