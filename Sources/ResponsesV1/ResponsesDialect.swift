public import JSON
public import UpstreamAPI
public import UpstreamHTTP

/// The Responses + Conversations dialect: the gateway's ``UpstreamDialect`` over OpenAI's
/// successor of the Assistants API, speaking Assistants v2 shapes to the gateway.
///
/// | frontend | upstream |
/// | --- | --- |
/// | thread | conversation (metadata as given) |
/// | message | conversation item of type `message` (user or assistant) |
/// | run | a chain of background responses on the conversation, one per tool round; the run id is the first response's id |
/// | assistant | a configured ``ResponsesProfile`` (model, instructions, function tools) |
///
/// ```swift
/// let dialect = ResponsesDialect(http: upstream, configuration: ResponsesConfiguration(
///     baseURL: "https://api.openai.com/v1", apiKey: key, profiles: try ResponsesProfile.load(path: "profiles.json")))
/// let run = try await dialect.createRun(threadID: conversationID, body: ["assistant_id": "asst_default"], context: .init())
/// ```
public struct ResponsesDialect: UpstreamDialect {
    let transport: ResponsesTransport
    let conversationTimes = ConversationTimes()
    public var kind: DialectKind { .responses }
    public var configuration: ResponsesConfiguration { transport.configuration }

    /// The upstream's limit on items per `POST /conversations[/{id}/items]`.
    static let maxItemsPerCall = 20

    public init(http: UpstreamHTTPClient, configuration: ResponsesConfiguration) {
        transport = ResponsesTransport(http: http, configuration: configuration)
    }

    // MARK: Threads

    public func createThread(metadata: JSONObject, messages: [JSONValue], context: UpstreamCallContext) async throws(UpstreamAPIError) -> String {
        var items: [JSONValue] = []
        for (index, message) in messages.enumerated() {
            items.append(.object(try MessageMapping.item(fromMessage: message, param: "messages[\(index)]")))
        }
        var body: JSONObject = ["metadata": .object(metadata)]
        if !items.isEmpty { body["items"] = .array(Array(items.prefix(Self.maxItemsPerCall))) }
        let conversation = try await transport.send(
            .post, "/conversations", body: body, requestID: context.requestID, idempotencyKey: context.idempotencyKey
        ).object
        guard let id = conversation["id"]?.stringValue else { throw ResponsesTransport.invalid("the created conversation has no id") }
        conversationTimes.remember(conversation)
        var rest = items.dropFirst(Self.maxItemsPerCall)
        while !rest.isEmpty {
            let batch = Array(rest.prefix(Self.maxItemsPerCall))
            rest = rest.dropFirst(batch.count)
            _ = try await transport.send(.post, Self.conversationPath(id) + "/items", body: ["items": .array(batch)], requestID: context.requestID)
        }
        return id
    }

    /// Replaces the conversation's metadata, keeping the dialect's own run pointers.
    public func modifyThread(id: String, metadata: JSONObject, context: UpstreamCallContext) async throws(UpstreamAPIError) {
        var metadata = metadata
        let current = try await conversation(id, context)
        if let pointers = current["metadata"]?[RunPointers.key] { metadata[RunPointers.key] = pointers }
        _ = try await transport.send(.post, Self.conversationPath(id), body: ["metadata": .object(metadata)], requestID: context.requestID)
    }

    public func deleteThread(id: String, context: UpstreamCallContext) async throws(UpstreamAPIError) {
        _ = try await transport.send(.delete, Self.conversationPath(id), requestID: context.requestID)
    }

    // MARK: Messages

    public func createMessage(threadID: String, body: JSONObject, context: UpstreamCallContext) async throws(UpstreamAPIError) -> JSONObject {
        let item = try MessageMapping.item(fromMessage: .object(body), param: "message")
        let created = try await transport.send(
            .post, Self.conversationPath(threadID) + "/items", body: ["items": [.object(item)]], requestID: context.requestID,
            idempotencyKey: context.idempotencyKey
        ).object
        guard let stored = created["data"]?[0]?.objectValue else { throw ResponsesTransport.invalid("the created item list is empty") }
        let createdAt = try await conversation(threadID, context)["created_at"] ?? .null
        return MessageMapping.message(fromItem: stored, threadID: threadID, createdAt: createdAt)
    }

    public var maxMessagesPerAppend: Int { Self.maxItemsPerCall }

    /// One `POST /conversations/{id}/items` with the messages as items (at most 20).
    public func appendMessages(threadID: String, messages: [JSONValue], context: UpstreamCallContext) async throws(UpstreamAPIError) {
        guard messages.count <= Self.maxItemsPerCall else {
            throw ResponsesTransport.refused("At most \(Self.maxItemsPerCall) messages can be added in one call.", param: "messages")
        }
        guard !messages.isEmpty else { return }
        var items: [JSONValue] = []
        for (index, message) in messages.enumerated() {
            items.append(.object(try MessageMapping.item(fromMessage: message, param: "messages[\(index)]")))
        }
        _ = try await transport.send(
            .post, Self.conversationPath(threadID) + "/items", body: ["items": .array(items)], requestID: context.requestID,
            idempotencyKey: context.idempotencyKey)
    }

    /// See ``MessagePager`` for how item pages become message pages; with `runID`, the
    /// messages the run's responses wrote.
    public func listMessages(
        threadID: String, page: PageRequest, runID: String?, context: UpstreamCallContext
    ) async throws(UpstreamAPIError) -> UpstreamPage {
        let createdAt = try await conversation(threadID, context)["created_at"] ?? .null
        if let runID {
            let chain = try await chain(of: try await resolve(threadID: threadID, runID: runID, context), context)
            let assistantID = RunTag(response: chain[0])?.assistantID
            var messages: [JSONObject] = []
            for response in chain {
                for item in (response["output"]?.arrayValue ?? []).compactMap(\.objectValue) where MessageMapping.isMessage(item) {
                    messages.append(
                        MessageMapping.message(
                            fromItem: item, threadID: threadID, createdAt: createdAt, runID: runID, assistantID: assistantID))
                }
            }
            return try InMemoryPager.page(messages, page)
        }
        let pager = MessagePager(page: page) { query throws(UpstreamAPIError) in
            try await transport.send(.get, Self.conversationPath(threadID) + "/items", query: query, requestID: context.requestID).object
        }
        let items = try await pager.collect()
        return UpstreamPage(
            data: items.data.map { MessageMapping.message(fromItem: $0, threadID: threadID, createdAt: createdAt) },
            firstID: items.data.first?["id"]?.stringValue, lastID: items.data.last?["id"]?.stringValue, hasMore: items.hasMore)
    }

    public func retrieveMessage(threadID: String, messageID: String, context: UpstreamCallContext) async throws(UpstreamAPIError) -> JSONObject {
        let item = try await transport.send(
            .get, Self.conversationPath(threadID) + "/items/" + ResponsesTransport.segment(messageID), requestID: context.requestID
        ).object
        guard MessageMapping.isMessage(item) else {
            throw ResponsesTransport.refused("No message found with id '\(messageID)'.", status: 404)
        }
        let createdAt = try await conversation(threadID, context)["created_at"] ?? .null
        return MessageMapping.message(fromItem: item, threadID: threadID, createdAt: createdAt)
    }

    // MARK: Plumbing

    func conversation(_ id: String, _ context: UpstreamCallContext) async throws(UpstreamAPIError) -> JSONObject {
        let conversation = try await transport.send(.get, Self.conversationPath(id), requestID: context.requestID).object
        conversationTimes.remember(conversation)
        return conversation
    }

    static func conversationPath(_ id: String) -> String { "/conversations/" + ResponsesTransport.segment(id) }
    static func responsePath(_ id: String) -> String { "/responses/" + ResponsesTransport.segment(id) }
}
