public import JSON
public import UpstreamAPI
import UpstreamHTTP

/// The Assistants v2 dialect: the gateway's ``UpstreamDialect`` over an ``AssistantsClient``.
///
/// The frontend shape *is* Assistants v2, so objects pass through as received (unknown
/// fields included) and requests go out as the frontend sent them.
public struct AssistantsDialect: UpstreamDialect {
    public let client: AssistantsClient
    public var kind: DialectKind { .assistants }

    public init(client: AssistantsClient) {
        self.client = client
    }

    // MARK: Threads

    public func createThread(metadata: JSONObject, messages: [JSONValue], context: UpstreamCallContext) async throws(UpstreamAPIError) -> String {
        var body: JSONObject = ["metadata": .object(metadata)]
        if !messages.isEmpty { body["messages"] = .array(messages) }
        let object = try await object(.post, "/threads", body: body, context)
        guard let id = object["id"]?.stringValue else { throw Self.invalid("the created thread has no id") }
        return id
    }

    public func modifyThread(id: String, metadata: JSONObject, context: UpstreamCallContext) async throws(UpstreamAPIError) {
        _ = try await object(.post, AssistantsClient.threadPath(id), body: ["metadata": .object(metadata)], context)
    }

    public func deleteThread(id: String, context: UpstreamCallContext) async throws(UpstreamAPIError) {
        _ = try await object(.delete, AssistantsClient.threadPath(id), context)
    }

    // MARK: Messages

    public func createMessage(threadID: String, body: JSONObject, context: UpstreamCallContext) async throws(UpstreamAPIError) -> JSONObject {
        try await object(.post, AssistantsClient.threadPath(threadID) + "/messages", body: body, context)
    }

    public func listMessages(
        threadID: String, page: PageRequest, runID: String?, context: UpstreamCallContext
    ) async throws(UpstreamAPIError) -> UpstreamPage {
        var query = Self.query(page)
        if let runID { query.append(("run_id", runID)) }
        return try await list(AssistantsClient.threadPath(threadID) + "/messages", query: query, context)
    }

    public func retrieveMessage(threadID: String, messageID: String, context: UpstreamCallContext) async throws(UpstreamAPIError) -> JSONObject {
        try await object(.get, AssistantsClient.threadPath(threadID) + "/messages/" + AssistantsClient.pathSegment(messageID), context)
    }

    // MARK: Runs

    public func createRun(threadID: String, body: JSONObject, context: UpstreamCallContext) async throws(UpstreamAPIError) -> UpstreamRun {
        try await run(.post, AssistantsClient.threadPath(threadID) + "/runs", body: body, context)
    }

    public func listRuns(threadID: String, page: PageRequest, context: UpstreamCallContext) async throws(UpstreamAPIError) -> UpstreamPage {
        try await list(AssistantsClient.threadPath(threadID) + "/runs", query: Self.query(page), context)
    }

    public func retrieveRun(threadID: String, runID: String, context: UpstreamCallContext) async throws(UpstreamAPIError) -> UpstreamRun {
        try await run(.get, AssistantsClient.runPath(threadID, runID), context)
    }

    public func cancelRun(threadID: String, runID: String, context: UpstreamCallContext) async throws(UpstreamAPIError) -> UpstreamRun {
        try await run(.post, AssistantsClient.runPath(threadID, runID) + "/cancel", context)
    }

    public func submitToolOutputs(
        threadID: String, runID: String, body: JSONObject, context: UpstreamCallContext
    ) async throws(UpstreamAPIError) -> UpstreamRun {
        try await run(.post, AssistantsClient.runPath(threadID, runID) + "/submit_tool_outputs", body: body, context)
    }

    public func listRunSteps(
        threadID: String, runID: String, page: PageRequest, context: UpstreamCallContext
    ) async throws(UpstreamAPIError) -> UpstreamPage {
        try await list(AssistantsClient.runPath(threadID, runID) + "/steps", query: Self.query(page), context)
    }

    public func retrieveRunStep(
        threadID: String, runID: String, stepID: String, context: UpstreamCallContext
    ) async throws(UpstreamAPIError) -> JSONObject {
        try await object(.get, AssistantsClient.runPath(threadID, runID) + "/steps/" + AssistantsClient.pathSegment(stepID), context)
    }

    // MARK: Assistants

    public func createAssistant(body: JSONObject, context: UpstreamCallContext) async throws(UpstreamAPIError) -> JSONObject {
        try await object(.post, "/assistants", body: body, context)
    }

    public func listAssistants(page: PageRequest, context: UpstreamCallContext) async throws(UpstreamAPIError) -> UpstreamPage {
        try await list("/assistants", query: Self.query(page), context)
    }

    public func retrieveAssistant(id: String, context: UpstreamCallContext) async throws(UpstreamAPIError) -> JSONObject {
        try await object(.get, "/assistants/" + AssistantsClient.pathSegment(id), context)
    }

    public func modifyAssistant(id: String, body: JSONObject, context: UpstreamCallContext) async throws(UpstreamAPIError) -> JSONObject {
        try await object(.post, "/assistants/" + AssistantsClient.pathSegment(id), body: body, context)
    }

    public func deleteAssistant(id: String, context: UpstreamCallContext) async throws(UpstreamAPIError) -> JSONObject {
        try await object(.delete, "/assistants/" + AssistantsClient.pathSegment(id), context)
    }

    // MARK: Plumbing

    private func send(
        _ method: UpstreamMethod, _ path: String, query: [(String, String)] = [], body: JSONObject? = nil,
        _ context: UpstreamCallContext
    ) async throws(UpstreamAPIError) -> AssistantsResponse<JSONObject> {
        let options = Self.options(context)
        let response: AssistantsResponse<JSONValue>
        do {
            response = try await client.send(method, path, query: query, body: body, options: options)
        } catch {
            throw Self.translate(error)
        }
        guard let object = response.value.objectValue else {
            throw Self.invalid("the upstream answered a \(response.value.typeName), not an object", response.upstreamRequestID)
        }
        return AssistantsResponse(value: object, status: response.status, attempts: response.attempts, headers: response.headers)
    }

    private func object(
        _ method: UpstreamMethod, _ path: String, body: JSONObject? = nil, _ context: UpstreamCallContext
    ) async throws(UpstreamAPIError) -> JSONObject {
        try await send(method, path, body: body, context).value
    }

    private func run(
        _ method: UpstreamMethod, _ path: String, body: JSONObject? = nil, _ context: UpstreamCallContext
    ) async throws(UpstreamAPIError) -> UpstreamRun {
        let response = try await send(method, path, body: body, context)
        guard let id = response.value["id"]?.stringValue, let status = response.value["status"]?.stringValue else {
            throw Self.invalid("the run has no id or status", response.upstreamRequestID)
        }
        return UpstreamRun(object: response.value, id: id, status: RunState(rawValue: status), pollAfter: response.pollAfter)
    }

    private func list(_ path: String, query: [(String, String)], _ context: UpstreamCallContext) async throws(UpstreamAPIError) -> UpstreamPage {
        let response = try await send(.get, path, query: query, context)
        guard let items = response.value["data"]?.arrayValue else {
            throw Self.invalid("the upstream list has no array 'data'", response.upstreamRequestID)
        }
        var data: [JSONObject] = []
        data.reserveCapacity(items.count)
        for item in items {
            guard let object = item.objectValue else { throw Self.invalid("the upstream list holds a \(item.typeName)", response.upstreamRequestID) }
            data.append(object)
        }
        return UpstreamPage(
            data: data, firstID: response.value["first_id"]?.stringValue, lastID: response.value["last_id"]?.stringValue,
            hasMore: response.value["has_more"]?.boolValue ?? false)
    }

    static func query(_ page: PageRequest) -> [(String, String)] {
        var items: [(String, String)] = []
        if let limit = page.limit { items.append(("limit", String(limit))) }
        if let order = page.order { items.append(("order", order)) }
        if let after = page.after { items.append(("after", after)) }
        if let before = page.before { items.append(("before", before)) }
        return items
    }

    static func invalid(_ message: String, _ upstreamRequestID: String? = nil) -> UpstreamAPIError {
        UpstreamAPIError(kind: .invalidResponse, message: message, upstreamRequestID: upstreamRequestID)
    }

    /// The client's error in the dialect-neutral form.
    static func translate(_ error: AssistantsError) -> UpstreamAPIError {
        let kind: UpstreamAPIError.Kind
        switch error.kind {
        case .api: kind = .rejected
        case .transport:
            if error.isCancelled {
                kind = .cancelled
            } else if error.isTimeout {
                kind = .timeout
            } else {
                kind = .unreachable
            }
        default: kind = .invalidResponse
        }
        return UpstreamAPIError(
            kind: kind, status: error.status, type: error.type, code: error.code, param: error.param, message: error.message,
            retryAfter: error.retryAfter, upstreamRequestID: error.upstreamRequestID, isRunActive: error.isRunActive,
            activeRunID: error.activeRunID)
    }
}
