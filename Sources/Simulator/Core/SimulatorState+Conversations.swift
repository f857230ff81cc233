public import JSON

extension SimulatorState {
    /// At most this many items per create call (`items` of `POST /conversations[/…/items]`).
    static let maxItemsPerCall = 20

    func requireConversation(_ id: String) throws(SimulatorError) -> ConversationRecord {
        guard let conversation = conversations[id] else { throw .notFoundResource("Conversation", id: id) }
        return conversation
    }

    /// Stores `items` at the end of conversation `id` with fresh ids; returns them as stored.
    @discardableResult
    mutating func appendItems(_ items: [JSONObject], toConversation id: String) -> [JSONValue] {
        let stored = items.map { ResponseItems.withID(ids.make(ResponseItems.idKind(of: $0)), $0) }
        conversations[id]!.items += stored
        counters.conversationItemsCreated += stored.count
        return stored
    }

    /// `POST /conversations`: `metadata` and up to 20 initial `items`.
    public mutating func createConversation(_ body: JSONObject, now: Int64) throws(SimulatorError) -> JSONValue {
        let reader = try BodyReader(body, allowed: ["metadata", "items"])
        let metadata = try MetadataRules.validate(reader.value("metadata")) ?? [:]
        let items = try ResponseItems.parse(reader.array("items", maxItems: Self.maxItemsPerCall) ?? [], param: "items")
        let conversation = ConversationRecord(id: ids.make(.conversation), createdAt: now / 1000, metadata: metadata)
        conversations[conversation.id] = conversation
        counters.conversationsCreated += 1
        appendItems(items, toConversation: conversation.id)
        return conversation.json
    }

    /// `GET /conversations/{id}`.
    public func conversation(_ id: String) throws(SimulatorError) -> JSONValue {
        try requireConversation(id).json
    }

    /// `POST /conversations/{id}`: replaces `metadata` (required).
    public mutating func updateConversation(_ id: String, _ body: JSONObject) throws(SimulatorError) -> JSONValue {
        _ = try requireConversation(id)
        let reader = try BodyReader(body, allowed: ["metadata"])
        guard reader.contains("metadata") else { throw .missingParameter("metadata") }
        conversations[id]!.metadata = try MetadataRules.validate(reader.value("metadata")) ?? [:]
        return conversations[id]!.json
    }

    /// `DELETE /conversations/{id}`.
    public mutating func deleteConversation(_ id: String) throws(SimulatorError) -> JSONValue {
        guard conversations.removeValue(forKey: id) != nil else { throw .notFoundResource("Conversation", id: id) }
        return ["id": .string(id), "object": "conversation.deleted", "deleted": true]
    }

    // MARK: Items

    /// `POST /conversations/{id}/items`: a list of the items added.
    public mutating func createConversationItems(_ id: String, _ body: JSONObject) throws(SimulatorError) -> JSONValue {
        _ = try requireConversation(id)
        let reader = try BodyReader(body, allowed: ["items"])
        guard let values = try reader.array("items", maxItems: Self.maxItemsPerCall) else { throw .missingParameter("items") }
        let stored = appendItems(try ResponseItems.parse(values, param: "items"), toConversation: id)
        return ListQuery.envelope(stored, hasMore: false)
    }

    /// `GET /conversations/{id}/items` (`limit`, `order` default desc, `after`).
    public mutating func listConversationItems(_ id: String, _ query: ListQuery, now: Int64) throws(SimulatorError) -> JSONValue {
        _ = try requireConversation(id)
        advanceConversation(id, now: now)
        return query.page(conversations[id]!.items, id: { $0["id"]?.stringValue ?? "" }, render: { $0 })
    }

    /// `GET /conversations/{id}/items/{item_id}`.
    public mutating func conversationItem(_ id: String, itemID: String, now: Int64) throws(SimulatorError) -> JSONValue {
        _ = try requireConversation(id)
        advanceConversation(id, now: now)
        guard let index = conversations[id]!.itemIndex(itemID) else { throw .notFoundResource("Item", id: itemID) }
        return conversations[id]!.items[index]
    }

    /// `DELETE /conversations/{id}/items/{item_id}`: the conversation.
    public mutating func deleteConversationItem(_ id: String, itemID: String, now: Int64) throws(SimulatorError) -> JSONValue {
        _ = try requireConversation(id)
        advanceConversation(id, now: now)
        guard let index = conversations[id]!.itemIndex(itemID) else { throw .notFoundResource("Item", id: itemID) }
        conversations[id]!.items.remove(at: index)
        return conversations[id]!.json
    }

    /// Performs the due transitions of the conversation's active response, which may add items.
    mutating func advanceConversation(_ id: String, now: Int64) {
        if let responseID = conversations[id]?.activeResponseID { advanceResponse(responseID, now: now) }
    }
}
