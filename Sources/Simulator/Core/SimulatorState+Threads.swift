public import JSON

extension SimulatorState {
    static let threadCreateKeys: Set<String> = ["messages", "tool_resources", "metadata"]

    /// A validated `S.CreateThreadRequest` at `path`, not yet applied.
    struct ThreadDraft {
        var metadata: JSONObject
        var toolResources: JSONValue
        var messages: [(role: String, content: [JSONValue], attachments: [JSONValue], metadata: JSONObject)]
    }

    static func parseThread(_ reader: BodyReader) throws(SimulatorError) -> ThreadDraft {
        let metadata = try MetadataRules.validate(reader.value("metadata"), param: reader.param("metadata")) ?? [:]
        let resources = try reader.object("tool_resources").map(JSONValue.object) ?? [:]
        var messages: ThreadDraft.Messages = []
        for (index, item) in (try reader.array("messages", maxItems: 32) ?? []).enumerated() {
            let path = reader.param("messages") + "[\(index)]"
            messages.append(try MessageRecord.parse(BodyReader(item, path: path, allowed: MessageRecord.createKeys)))
        }
        return ThreadDraft(metadata: metadata, toolResources: resources, messages: messages)
    }

    /// Creates the thread of `draft` with its initial messages.
    mutating func insertThread(_ draft: ThreadDraft, now: Int64) -> String {
        var thread = ThreadRecord(
            id: ids.make(.thread), createdAt: now / 1000, metadata: draft.metadata, toolResources: draft.toolResources)
        for message in draft.messages {
            thread.messages.append(makeMessage(in: thread.id, message, now: now))
        }
        threads[thread.id] = thread
        counters.threadsCreated += 1
        return thread.id
    }

    mutating func makeMessage(
        in threadID: String, _ parts: (role: String, content: [JSONValue], attachments: [JSONValue], metadata: JSONObject),
        now: Int64
    ) -> MessageRecord {
        counters.messagesCreated += 1
        return MessageRecord(
            id: ids.make(.message), createdAt: now / 1000, threadID: threadID, status: "completed",
            completedAt: now / 1000, role: parts.role, content: parts.content, attachments: parts.attachments,
            metadata: parts.metadata)
    }

    /// `POST /threads`.
    public mutating func createThread(_ body: JSONObject, now: Int64) throws(SimulatorError) -> JSONValue {
        let draft = try Self.parseThread(BodyReader(body, allowed: Self.threadCreateKeys))
        let id = insertThread(draft, now: now)
        return threads[id]!.json
    }

    /// `GET /threads/{id}`.
    public mutating func thread(_ id: String, now: Int64) throws(SimulatorError) -> JSONValue {
        try advanceThread(id, now: now)
        return try requireThread(id).json
    }

    /// `POST /threads/{id}`: replaces `metadata` and/or `tool_resources` when given.
    public mutating func modifyThread(_ id: String, _ body: JSONObject, now: Int64) throws(SimulatorError) -> JSONValue {
        try advanceThread(id, now: now)
        let reader = try BodyReader(body, allowed: ["tool_resources", "metadata"])
        let metadata = try MetadataRules.validate(reader.value("metadata"))
        let resources = try reader.object("tool_resources")
        if let metadata { threads[id]!.metadata = metadata }
        if let resources { threads[id]!.toolResources = .object(resources) }
        return threads[id]!.json
    }

    /// `DELETE /threads/{id}`: the thread, its messages and runs.
    public mutating func deleteThread(_ id: String) throws(SimulatorError) -> JSONValue {
        guard threads.removeValue(forKey: id) != nil else { throw .notFound("thread", id: id) }
        return ["id": .string(id), "object": "thread.deleted", "deleted": true]
    }

    // MARK: Messages

    /// `POST /threads/{id}/messages`; the upstream's 400 while a run is active.
    public mutating func createMessage(threadID: String, _ body: JSONObject, now: Int64) throws(SimulatorError) -> JSONValue {
        try advanceThread(threadID, now: now)
        let parts = try MessageRecord.parse(BodyReader(body, allowed: MessageRecord.createKeys))
        if let active = threads[threadID]!.activeRunID {
            counters.runActiveMessageRejections += 1
            throw .messageWhileRunActive(threadID: threadID, runID: active)
        }
        let message = makeMessage(in: threadID, parts, now: now)
        threads[threadID]!.messages.append(message)
        return message.json
    }

    /// `GET /threads/{id}/messages`, optionally only the messages of run `runID`.
    public mutating func listMessages(threadID: String, _ query: ListQuery, runID: String? = nil, now: Int64) throws(SimulatorError) -> JSONValue {
        try advanceThread(threadID, now: now)
        var messages = threads[threadID]!.messages
        if let runID { messages = messages.filter { $0.runID == runID } }
        return query.page(messages, id: \.id, render: \.json)
    }

    func requireMessage(threadID: String, _ id: String) throws(SimulatorError) -> Int {
        guard let index = try requireThread(threadID).messageIndex(id) else { throw .notFound("message", id: id) }
        return index
    }

    /// `GET /threads/{id}/messages/{message_id}`.
    public mutating func message(threadID: String, _ id: String, now: Int64) throws(SimulatorError) -> JSONValue {
        try advanceThread(threadID, now: now)
        return threads[threadID]!.messages[try requireMessage(threadID: threadID, id)].json
    }

    /// `POST /threads/{id}/messages/{message_id}`: replaces `metadata`.
    public mutating func modifyMessage(threadID: String, _ id: String, _ body: JSONObject, now: Int64) throws(SimulatorError) -> JSONValue {
        try advanceThread(threadID, now: now)
        let index = try requireMessage(threadID: threadID, id)
        let reader = try BodyReader(body, allowed: ["metadata"])
        if let metadata = try MetadataRules.validate(reader.value("metadata")) {
            threads[threadID]!.messages[index].metadata = metadata
        }
        return threads[threadID]!.messages[index].json
    }

    /// `DELETE /threads/{id}/messages/{message_id}`.
    public mutating func deleteMessage(threadID: String, _ id: String, now: Int64) throws(SimulatorError) -> JSONValue {
        try advanceThread(threadID, now: now)
        let index = try requireMessage(threadID: threadID, id)
        threads[threadID]!.messages.remove(at: index)
        return ["id": .string(id), "object": "thread.message.deleted", "deleted": true]
    }
}

extension SimulatorState.ThreadDraft {
    typealias Messages = [(role: String, content: [JSONValue], attachments: [JSONValue], metadata: JSONObject)]
}
