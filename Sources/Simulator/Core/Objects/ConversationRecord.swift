import JSON

/// One conversation (`ConversationResource`) with its items, oldest first.
struct ConversationRecord: Sendable {
    let id: String
    let createdAt: Int64  // Unix seconds
    var metadata: JSONObject
    /// Stored items (`ConversationItem`), each with its `id`.
    var items: [JSONValue] = []
    /// The response that is queued or in progress on this conversation, if any.
    var activeResponseID: String?

    var json: JSONValue {
        ["id": .string(id), "object": "conversation", "created_at": .int(createdAt), "metadata": .object(metadata)]
    }

    func itemIndex(_ id: String) -> Int? { items.firstIndex { $0["id"]?.stringValue == id } }
}
