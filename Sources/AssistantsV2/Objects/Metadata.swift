public import JSON

/// An object's `metadata`: up to 16 string pairs (keys ≤ 64, values ≤ 512 characters upstream),
/// in the order they were written.
///
/// ```swift
/// var metadata: Metadata = ["owner": "user_1"]
/// metadata["title"] = "Trip"
/// metadata["owner"]   // "user_1"
/// ```
public struct Metadata: Sendable, Hashable, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    /// The pairs as a JSON object (every value a string).
    public private(set) var object: JSONObject

    public init() { object = [:] }

    public init(dictionaryLiteral elements: (String, String)...) {
        object = JSONObject(elements.map { ($0.0, JSONValue.string($0.1)) })
    }

    public init(_ pairs: some Sequence<(String, String)>) {
        object = JSONObject(pairs.map { ($0.0, JSONValue.string($0.1)) })
    }

    /// The string pairs of `json` (an object); anything else is empty, other values are skipped.
    public init(json: JSONValue?) {
        object = JSONObject((json?.objectValue ?? [:]).compactMap { pair in pair.value.stringValue.map { (pair.key, JSONValue.string($0)) } })
    }

    /// The value for `key`; setting nil removes the key.
    public subscript(key: String) -> String? {
        get { object[key]?.stringValue }
        set { object[key] = newValue.map(JSONValue.string) }
    }

    public var keys: [String] { object.keys }
    public var count: Int { object.count }
    public var isEmpty: Bool { object.isEmpty }
    /// The pairs in order.
    public var pairs: [(key: String, value: String)] { object.map { ($0.key, $0.value.stringValue ?? "") } }
    public var json: JSONValue { .object(object) }
    public var description: String { object.description }
}
