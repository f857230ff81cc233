public import JSON

/// One page of a list (`{"object":"list","data":[…],"first_id","last_id","has_more"}`).
///
/// Pages forward with `ListParameters(after: page.lastID)` while `hasMore`, backward with
/// `before: page.firstID`.
public struct AssistantsList<Element: AssistantsObject>: Sendable {
    public var data: [Element]
    public var firstID: String?
    public var lastID: String?
    public var hasMore: Bool
    /// The envelope as received (its `data` too).
    public var raw: JSONObject

    public init(raw: JSONObject) throws(AssistantsError) {
        let reader = FieldReader(raw, "list")
        guard let items = raw["data"]?.arrayValue else { throw .invalidResponse("the upstream list has no array 'data'") }
        var data: [Element] = []
        data.reserveCapacity(items.count)
        for item in items {
            guard let object = item.objectValue else { throw .invalidResponse("the upstream list holds a \(item.typeName)") }
            data.append(try Element(raw: object))
        }
        self.data = data
        firstID = reader.string("first_id")
        lastID = reader.string("last_id")
        hasMore = reader.bool("has_more") ?? false
        self.raw = raw
    }

    /// The ids of `data`, in order.
    public var ids: [String] { data.map(\.id) }
}
