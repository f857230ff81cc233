public import JSON

/// An upstream object decoded into the fields the gateway reads, keeping the whole original.
///
/// `raw` is the object exactly as the upstream sent it (key order included), so a gateway
/// that passes objects through loses nothing the upstream adds.
public protocol AssistantsObject: Sendable {
    /// The object's id, such as `run_abc`.
    var id: String { get }
    /// The upstream object, untouched.
    var raw: JSONObject { get }
    /// Decodes `raw`; throws `invalidResponse` only when a field the type needs (its `id`)
    /// is missing. Other fields are optional and read leniently (a wrong type reads as absent).
    init(raw: JSONObject) throws(AssistantsError)
}

extension AssistantsObject {
    /// The upstream's `object` field, such as `thread.run`.
    public var objectType: String? { raw["object"]?.stringValue }
    /// `raw` as a JSON value, for relaying.
    public var json: JSONValue { .object(raw) }
}

/// Lenient reads of an upstream object's fields.
struct FieldReader {
    let object: JSONObject
    /// What is being decoded, for error messages: `run`, `message`, ….
    let what: String

    init(_ object: JSONObject, _ what: String) {
        self.object = object
        self.what = what
    }

    func requiredString(_ key: String) throws(AssistantsError) -> String {
        guard let value = object[key]?.stringValue else {
            throw .invalidResponse("the upstream \(what) has no string '\(key)'")
        }
        return value
    }

    func string(_ key: String) -> String? { object[key]?.stringValue }
    func int64(_ key: String) -> Int64? { object[key]?.int64Value }
    func int(_ key: String) -> Int? { object[key]?.intValue }
    func bool(_ key: String) -> Bool? { object[key]?.boolValue }
    func object(_ key: String) -> JSONObject? { object[key]?.objectValue }
    func array(_ key: String) -> [JSONValue] { object[key]?.arrayValue ?? [] }
    func metadata() -> Metadata { Metadata(json: object["metadata"]) }
    func tools() -> [AssistantTool] { array("tools").compactMap { $0.objectValue.map(AssistantTool.init(raw:)) } }
}
