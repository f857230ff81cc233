public import JSON

extension SimulatorState {
    /// `POST /assistants`.
    public mutating func createAssistant(_ body: JSONObject, now: Int64) throws(SimulatorError) -> JSONValue {
        let reader = try BodyReader(body, allowed: AssistantRecord.createKeys)
        let model = try reader.requiredString("model")
        var assistant = AssistantRecord(id: ids.make(.assistant), createdAt: now / 1000, model: model)
        try assistant.apply(reader)
        assistants.append(assistant)
        counters.assistantsCreated += 1
        return assistant.json
    }

    /// Adds an assistant from an `--assistants-file` entry: the create fields plus an optional
    /// `id` (kept; replaces an assistant with the same id) and ignored `object`/`created_at`.
    public mutating func preloadAssistant(_ body: JSONObject, now: Int64) throws(SimulatorError) -> String {
        let reader = try BodyReader(body, allowed: AssistantRecord.preloadKeys)
        let model = try reader.string("model") ?? "gpt-4o"
        let id = try reader.string("id") ?? ids.make(.assistant)
        var assistant = AssistantRecord(id: id, createdAt: now / 1000, model: model)
        try assistant.apply(try BodyReader(body.removing(["id", "object", "created_at"]), allowed: AssistantRecord.createKeys))
        if let existing = assistants.firstIndex(where: { $0.id == id }) {
            assistants[existing] = assistant
        } else {
            assistants.append(assistant)
        }
        return id
    }

    func requireAssistant(_ id: String) throws(SimulatorError) -> AssistantRecord {
        guard let assistant = assistants.first(where: { $0.id == id }) else { throw .notFound("assistant", id: id) }
        return assistant
    }

    /// `GET /assistants/{id}`.
    public func assistant(_ id: String) throws(SimulatorError) -> JSONValue {
        try requireAssistant(id).json
    }

    /// `POST /assistants/{id}`.
    public mutating func modifyAssistant(_ id: String, _ body: JSONObject) throws(SimulatorError) -> JSONValue {
        guard let index = assistants.firstIndex(where: { $0.id == id }) else { throw .notFound("assistant", id: id) }
        let reader = try BodyReader(body, allowed: AssistantRecord.createKeys)
        var assistant = assistants[index]
        try assistant.apply(reader)
        assistants[index] = assistant
        return assistant.json
    }

    /// `DELETE /assistants/{id}`.
    public mutating func deleteAssistant(_ id: String) throws(SimulatorError) -> JSONValue {
        guard let index = assistants.firstIndex(where: { $0.id == id }) else { throw .notFound("assistant", id: id) }
        assistants.remove(at: index)
        return ["id": .string(id), "object": "assistant.deleted", "deleted": true]
    }

    /// `GET /assistants`, newest first by default.
    public func listAssistants(_ query: ListQuery) -> JSONValue {
        query.page(assistants, id: \.id, render: \.json)
    }
}

extension JSONObject {
    /// This object without `keys`.
    func removing(_ keys: Set<String>) -> JSONObject {
        var copy = self
        for key in keys { copy[key] = nil }
        return copy
    }
}
