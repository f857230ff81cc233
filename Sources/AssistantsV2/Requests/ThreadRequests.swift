public import JSON

/// The body of `POST /threads` (`S.CreateThreadRequest`).
///
/// `extra` holds further body fields (such as `tool_resources`, or whatever a caller passes
/// through); the typed fields win over keys of the same name in it.
public struct CreateThreadRequest: Sendable {
    public var messages: [CreateMessageRequest]
    public var metadata: Metadata?
    public var extra: JSONObject

    public init(messages: [CreateMessageRequest] = [], metadata: Metadata? = nil, extra: JSONObject = [:]) {
        self.messages = messages
        self.metadata = metadata
        self.extra = extra
    }

    public var body: JSONObject {
        var body = extra
        if !messages.isEmpty { body["messages"] = .array(messages.map { .object($0.body) }) }
        if let metadata { body["metadata"] = metadata.json }
        return body
    }
}

/// The body of `POST /threads/{id}` (`S.ModifyThreadRequest`): metadata replaces the old.
public struct ModifyThreadRequest: Sendable {
    public var metadata: Metadata?
    public var extra: JSONObject

    public init(metadata: Metadata? = nil, extra: JSONObject = [:]) {
        self.metadata = metadata
        self.extra = extra
    }

    public var body: JSONObject {
        var body = extra
        if let metadata { body["metadata"] = metadata.json }
        return body
    }
}

/// A message to add (`S.CreateMessageRequest`): in `POST /threads/{id}/messages`, a new
/// thread's `messages` and a run's `additional_messages`.
///
/// ```swift
/// let message = CreateMessageRequest.user("What is the weather?", metadata: ["client": "ios"])
/// ```
public struct CreateMessageRequest: Sendable {
    /// A string, or content parts (`text`, `image_url`, `image_file` objects).
    public enum Content: Sendable {
        case text(String)
        case parts([JSONValue])

        var json: JSONValue {
            switch self {
            case .text(let text): .string(text)
            case .parts(let parts): .array(parts)
            }
        }
    }

    public var role: MessageRole
    public var content: Content
    public var attachments: [JSONValue]?
    public var metadata: Metadata?
    public var extra: JSONObject

    public init(
        role: MessageRole, content: Content, attachments: [JSONValue]? = nil, metadata: Metadata? = nil,
        extra: JSONObject = [:]
    ) {
        self.role = role
        self.content = content
        self.attachments = attachments
        self.metadata = metadata
        self.extra = extra
    }

    /// A user message with text content.
    public static func user(_ text: String, metadata: Metadata? = nil) -> CreateMessageRequest {
        CreateMessageRequest(role: .user, content: .text(text), metadata: metadata)
    }

    public var body: JSONObject {
        var body = extra
        body["role"] = .string(role.rawValue)
        body["content"] = content.json
        if let attachments { body["attachments"] = .array(attachments) }
        if let metadata { body["metadata"] = metadata.json }
        return body
    }
}

/// Sort order of a list, by `created_at`.
public enum ListOrder: String, Sendable, Hashable {
    case asc
    case desc
}

/// Cursor pagination of a list (notes §3): `limit` 1–100 (upstream default 20), `order`
/// (default desc), `after` the previous page's `last_id`, `before` its `first_id`.
public struct ListParameters: Sendable, Hashable {
    public var limit: Int?
    public var order: ListOrder?
    public var after: String?
    public var before: String?

    public init(limit: Int? = nil, order: ListOrder? = nil, after: String? = nil, before: String? = nil) {
        self.limit = limit
        self.order = order
        self.after = after
        self.before = before
    }

    /// The query items, in a stable order.
    var query: [(String, String)] {
        var items: [(String, String)] = []
        if let limit { items.append(("limit", String(limit))) }
        if let order { items.append(("order", order.rawValue)) }
        if let after { items.append(("after", after)) }
        if let before { items.append(("before", before)) }
        return items
    }
}
