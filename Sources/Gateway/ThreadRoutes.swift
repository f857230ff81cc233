import HTTP1
import HTTPRouting
import JSON
import UpstreamAPI

extension Gateway {
    func registerThreadRoutes(on routes: RouteGroup) {
        routes.post("/threads") { request in try await self.createThread(request) }
        routes.get("/threads") { request in try await self.listThreads(request) }
        routes.get("/threads/{thread_id}") { request in
            .json(.object(try await self.ownedThread(request).object()))
        }
        routes.post("/threads/{thread_id}") { request in try await self.modifyThread(request) }
        routes.delete("/threads/{thread_id}") { request in try await self.deleteThread(request) }
    }

    /// `POST /v1/threads`: `metadata`, `title` and initial `messages`.
    func createThread(_ request: RoutedRequest) async throws -> HTTPResponse {
        let body = try Self.objectBody(request)
        try Self.rejectUnknownFields(body, allowed: ["metadata", "title", "messages"])
        var messages: [JSONValue] = []
        if let value = body["messages"], value != .null {
            guard let array = value.arrayValue else {
                throw APIError.invalidParameter("messages", message: "Invalid type for 'messages': expected an array.")
            }
            messages = array
        }
        let thread = try await makeThread(
            for: try request.caller, metadata: body["metadata"], title: body["title"], messages: messages, request)
        return .json(.object(thread.object()))
    }

    /// Creates the upstream thread (with owner metadata) and its row; a row that cannot be
    /// written takes the upstream thread back down.
    func makeThread(
        for caller: Caller, metadata metadataValue: JSONValue?, title titleValue: JSONValue?, messages: [JSONValue],
        paramPrefix: String = "", _ request: RoutedRequest
    ) async throws -> ThreadRecord {
        let metadata = try ThreadMetadata.clientMetadata(metadataValue, param: paramPrefix + "metadata") ?? [:]
        let title: String?
        switch try ThreadMetadata.title(titleValue) {
        case .set(let text): title = text
        case .keep, .clear: title = nil
        }
        let id = Identifier.make(prefix: "thr_")
        let kind = configuration.defaultDialect
        let dialect = try dialects.dialect(kind)
        let upstreamID: String
        do {
            upstreamID = try await dialect.createThread(
                metadata: ThreadMetadata.upstream(client: metadata, owner: caller.subject, threadID: id), messages: messages,
                context: context(request))
        } catch {
            throw error.apiError
        }
        let record = ThreadRecord(
            id: id, owner: caller.subject, upstreamThreadID: upstreamID, dialect: kind, title: title, metadata: metadata,
            createdAt: 0, lastActivityAt: 0)
        do {
            return try await threads.insert(record, ownerIsAdmin: caller.isAdmin)
        } catch {
            _ = try? await dialect.deleteThread(id: upstreamID, context: context(request))
            throw error
        }
    }

    /// `GET /v1/threads`: the caller's threads, most recent activity first.
    func listThreads(_ request: RoutedRequest) async throws -> HTTPResponse {
        try await threadList(owner: request.caller.subject, request, includeOwner: false)
    }

    /// A page of `owner`'s threads in the list envelope.
    func threadList(owner: String, _ request: RoutedRequest, includeOwner: Bool) async throws -> HTTPResponse {
        let limit = try request.intQuery("limit", range: 1...100, default: 20)
        let after = try Self.nonEmptyQuery(request, "after")
        let before = try Self.nonEmptyQuery(request, "before")
        if after != nil, before != nil {
            throw APIError.badRequest(code: .invalidParameter, message: "Give at most one of 'after' and 'before'.")
        }
        let page: (threads: [ThreadRecord], hasMore: Bool)
        do {
            page = try await threads.list(owner: owner, limit: limit, after: after, before: before)
        } catch let error as ThreadStore.UnknownCursor {
            throw APIError.invalidParameter(error.parameter, message: "Invalid '\(error.parameter)': no such thread.")
        }
        let list = UpstreamPage(data: page.threads.map { $0.object(includeOwner: includeOwner) }, firstID: nil, lastID: nil, hasMore: page.hasMore)
        return .json(.object(list.envelope()))
    }

    /// `POST /v1/threads/{id}`: `metadata` replaces the client's pairs (upstream too); `title`
    /// is set, or cleared with null.
    func modifyThread(_ request: RoutedRequest) async throws -> HTTPResponse {
        let thread = try await ownedThread(request)
        let body = try Self.objectBody(request)
        try Self.rejectUnknownFields(body, allowed: ["metadata", "title"])
        let metadata = try ThreadMetadata.clientMetadata(body["metadata"])
        let title = try ThreadMetadata.title(body["title"])
        if let metadata {
            let upstreamMetadata = ThreadMetadata.upstream(client: metadata, owner: thread.owner, threadID: thread.id)
            try await upstream(thread) { dialect throws(UpstreamAPIError) in
                try await dialect.modifyThread(id: thread.upstreamThreadID, metadata: upstreamMetadata, context: context(request))
            }
        }
        var newTitle: String?
        if case .set(let text) = title { newTitle = text }
        guard let updated = try await threads.update(thread.id, title: newTitle, clearTitle: title == .clear, metadata: metadata) else {
            throw Self.threadNotFound(thread.id)
        }
        return .json(.object(updated.object()))
    }

    /// `DELETE /v1/threads/{id}`: upstream first (already gone counts as done), then the row
    /// is marked deleted; its runs stay for usage reports.
    func deleteThread(_ request: RoutedRequest) async throws -> HTTPResponse {
        let thread = try await ownedThread(request)
        try await deleteUpstreamThread(thread.upstreamThreadID, dialect: thread.dialect, request)
        try await threads.markDeleted(thread.id)
        return .json(["id": .string(thread.id), "object": "thread.deleted", "deleted": true])
    }

    /// Deletes an upstream thread; one the upstream no longer knows is already deleted.
    func deleteUpstreamThread(_ upstreamID: String, dialect kind: DialectKind, _ request: RoutedRequest) async throws {
        let dialect = try dialects.dialect(kind)
        do {
            try await dialect.deleteThread(id: upstreamID, context: context(request))
        } catch where error.isNotFound {
            return
        } catch {
            throw error.apiError
        }
    }
}
