public import JSON

/// Which upstream API family a thread lives in. Recorded on every thread row, so a deployment
/// can change the default for new threads while existing threads keep their own.
public enum DialectKind: String, Sendable, Hashable, CaseIterable {
    /// OpenAI Assistants v2 (threads, messages, runs) and compatible servers.
    case assistants
    /// OpenAI Responses + Conversations.
    case responses
}

/// The gateway's one view of an upstream, whatever its dialect.
///
/// Objects go in and come out in the frontend's shape — the Assistants v2 objects the
/// gateway's own API speaks — as JSON, so fields a dialect does not know pass through
/// untouched. Ids are the upstream's; the gateway maps its own thread ids before calling.
/// Every call throws only ``UpstreamAPIError``.
///
/// ```swift
/// let page = try await dialect.listMessages(threadID: upstreamID, page: PageRequest(limit: 20, order: "asc"),
///                                           runID: nil, context: UpstreamCallContext(requestID: rid))
/// ```
public protocol UpstreamDialect: Sendable {
    var kind: DialectKind { get }

    // MARK: Threads

    /// Creates an upstream thread carrying `metadata` (the owner keys included) and the
    /// frontend's initial `messages`, and returns its upstream id.
    func createThread(metadata: JSONObject, messages: [JSONValue], context: UpstreamCallContext) async throws(UpstreamAPIError) -> String
    /// Replaces the upstream thread's metadata.
    func modifyThread(id: String, metadata: JSONObject, context: UpstreamCallContext) async throws(UpstreamAPIError)
    /// Deletes the upstream thread; an id the upstream no longer knows throws `notFound`.
    func deleteThread(id: String, context: UpstreamCallContext) async throws(UpstreamAPIError)

    // MARK: Messages

    func createMessage(threadID: String, body: JSONObject, context: UpstreamCallContext) async throws(UpstreamAPIError) -> JSONObject
    func listMessages(
        threadID: String, page: PageRequest, runID: String?, context: UpstreamCallContext
    ) async throws(UpstreamAPIError) -> UpstreamPage
    func retrieveMessage(threadID: String, messageID: String, context: UpstreamCallContext) async throws(UpstreamAPIError) -> JSONObject
    /// The most messages one ``appendMessages(threadID:messages:context:)`` call takes (the
    /// upstream's limit per request).
    var maxMessagesPerAppend: Int { get }
    /// Appends `messages` (frontend message requests, `{"role","content"}`) to the end of the
    /// thread in order, in one upstream request where the upstream allows it; at most
    /// ``maxMessagesPerAppend`` of them. Copying a thread's history uses it.
    func appendMessages(threadID: String, messages: [JSONValue], context: UpstreamCallContext) async throws(UpstreamAPIError)

    // MARK: Runs

    /// Starts a run; `body` is the frontend's run request with `assistant_id` already decided.
    func createRun(threadID: String, body: JSONObject, context: UpstreamCallContext) async throws(UpstreamAPIError) -> UpstreamRun
    /// Starts a run and streams its events (the run's whole life in one upstream request).
    func createRunStreaming(
        threadID: String, body: JSONObject, context: UpstreamCallContext
    ) async throws(UpstreamAPIError) -> any RunEventStream
    /// Answers a run in `requires_action` and streams the rest of it.
    func submitToolOutputsStreaming(
        threadID: String, runID: String, body: JSONObject, context: UpstreamCallContext
    ) async throws(UpstreamAPIError) -> any RunEventStream
    func listRuns(threadID: String, page: PageRequest, context: UpstreamCallContext) async throws(UpstreamAPIError) -> UpstreamPage
    func retrieveRun(threadID: String, runID: String, context: UpstreamCallContext) async throws(UpstreamAPIError) -> UpstreamRun
    func cancelRun(threadID: String, runID: String, context: UpstreamCallContext) async throws(UpstreamAPIError) -> UpstreamRun
    /// Answers a run in `requires_action`; `body` holds `tool_outputs`.
    func submitToolOutputs(
        threadID: String, runID: String, body: JSONObject, context: UpstreamCallContext
    ) async throws(UpstreamAPIError) -> UpstreamRun
    func listRunSteps(
        threadID: String, runID: String, page: PageRequest, context: UpstreamCallContext
    ) async throws(UpstreamAPIError) -> UpstreamPage
    func retrieveRunStep(
        threadID: String, runID: String, stepID: String, context: UpstreamCallContext
    ) async throws(UpstreamAPIError) -> JSONObject

    // MARK: Assistants (the admin API and the frontend's allow-list)

    func createAssistant(body: JSONObject, context: UpstreamCallContext) async throws(UpstreamAPIError) -> JSONObject
    func listAssistants(page: PageRequest, context: UpstreamCallContext) async throws(UpstreamAPIError) -> UpstreamPage
    func retrieveAssistant(id: String, context: UpstreamCallContext) async throws(UpstreamAPIError) -> JSONObject
    func modifyAssistant(id: String, body: JSONObject, context: UpstreamCallContext) async throws(UpstreamAPIError) -> JSONObject
    func deleteAssistant(id: String, context: UpstreamCallContext) async throws(UpstreamAPIError) -> JSONObject
}

extension UpstreamDialect {
    /// One message per request, for upstreams that add messages one at a time.
    public var maxMessagesPerAppend: Int { 1 }

    /// Each message through ``createMessage(threadID:body:context:)``, in order.
    public func appendMessages(threadID: String, messages: [JSONValue], context: UpstreamCallContext) async throws(UpstreamAPIError) {
        for message in messages {
            guard let body = message.objectValue else {
                throw UpstreamAPIError(kind: .rejected, status: 400, type: "invalid_request_error", message: "A message must be an object.")
            }
            _ = try await createMessage(threadID: threadID, body: body, context: context)
        }
    }
}

/// What travels with every upstream call.
public struct UpstreamCallContext: Sendable {
    /// The incoming request's id, sent upstream as `X-Request-Id`.
    public var requestID: String?
    /// Makes a POST safe to retry (and deduplicated where the upstream supports it).
    public var idempotencyKey: String?

    public init(requestID: String? = nil, idempotencyKey: String? = nil) {
        self.requestID = requestID
        self.idempotencyKey = idempotencyKey
    }
}

/// A list request in the upstream's cursor model.
public struct PageRequest: Sendable, Hashable {
    public var limit: Int?
    /// `asc` or `desc`.
    public var order: String?
    public var after: String?
    public var before: String?

    public init(limit: Int? = nil, order: String? = nil, after: String? = nil, before: String? = nil) {
        self.limit = limit
        self.order = order
        self.after = after
        self.before = before
    }
}

/// One page of a list, in the `{"object":"list","data","first_id","last_id","has_more"}` model.
public struct UpstreamPage: Sendable {
    public var data: [JSONObject]
    public var firstID: String?
    public var lastID: String?
    public var hasMore: Bool

    public init(data: [JSONObject], firstID: String?, lastID: String?, hasMore: Bool) {
        self.data = data
        self.firstID = firstID
        self.lastID = lastID
        self.hasMore = hasMore
    }

    /// The list envelope with `data` as given.
    public func envelope(_ items: [JSONObject]? = nil) -> JSONObject {
        let items = items ?? data
        return [
            "object": "list",
            "data": .array(items.map(JSONValue.object)),
            "first_id": items.first?["id"] ?? .null,
            "last_id": items.last?["id"] ?? .null,
            "has_more": .bool(hasMore),
        ]
    }
}

/// A run as the upstream last reported it, with the fields the gateway acts on read out.
public struct UpstreamRun: Sendable {
    /// The run object in the frontend's (Assistants v2) shape.
    public var object: JSONObject
    public var id: String
    public var status: RunState
    /// The upstream's suggested wait before polling again (`openai-poll-after-ms`).
    public var pollAfter: Duration?

    public init(object: JSONObject, id: String, status: RunState, pollAfter: Duration? = nil) {
        self.object = object
        self.id = id
        self.status = status
        self.pollAfter = pollAfter
    }

    /// `usage` when the upstream reported it.
    public var usage: JSONObject? { object["usage"]?.objectValue }
}

/// A run's status in the frontend's vocabulary.
public struct RunState: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let queued = RunState(rawValue: "queued")
    public static let inProgress = RunState(rawValue: "in_progress")
    public static let requiresAction = RunState(rawValue: "requires_action")
    public static let cancelling = RunState(rawValue: "cancelling")
    public static let cancelled = RunState(rawValue: "cancelled")
    public static let failed = RunState(rawValue: "failed")
    public static let completed = RunState(rawValue: "completed")
    public static let incomplete = RunState(rawValue: "incomplete")
    public static let expired = RunState(rawValue: "expired")

    /// The run will not change again.
    public var isTerminal: Bool {
        self == .cancelled || self == .failed || self == .completed || self == .incomplete || self == .expired
    }

    /// The thread is held: no message or run may be added until the run ends.
    public var holdsThread: Bool { !isTerminal }

    public var description: String { rawValue }
}
