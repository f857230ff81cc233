import HTTP1
import HTTPRouting
import JSON
import UpstreamAPI

extension Gateway {
    func registerAdminRoutes(on routes: RouteGroup) {
        routes.get("/users") { request in try await self.listUsers(request) }
        routes.get("/users/{user_id}/threads") { request in
            let subject = try request.requireParameter("user_id")
            guard try await self.userStore.exists(subject) else { throw Self.userNotFound(subject) }
            return try await self.threadList(owner: subject, request, includeOwner: true)
        }
        routes.get("/users/{user_id}/usage") { request in try await self.userUsage(request) }
        routes.delete("/users/{user_id}") { request in try await self.deleteUser(request) }
        routes.get("/threads/{thread_id}") { request in
            .json(.object(try await self.anyThread(request).object(includeOwner: true)))
        }
        routes.get("/threads/{thread_id}/messages") { request in
            try await self.listMessages(of: try await self.anyThread(request), request)
        }
        routes.post("/threads/{thread_id}/migrate") { request in try await self.migrateThread(request) }
        registerAdminAssistantRoutes(on: routes)
    }

    /// Any user's live thread named by `thread_id`.
    func anyThread(_ request: RoutedRequest) async throws -> ThreadRecord {
        let id = try request.requireParameter("thread_id")
        guard let thread = try await threads.find(id) else { throw Self.threadNotFound(id) }
        return thread
    }

    /// `GET /admin/v1/users?prefix=&limit=&after=`: users by subject, with thread counts.
    func listUsers(_ request: RoutedRequest) async throws -> HTTPResponse {
        let limit = try request.intQuery("limit", range: 1...100, default: 20)
        let after = try Self.nonEmptyQuery(request, "after")
        let page = try await userStore.list(prefix: request.query["prefix"] ?? "", after: after, limit: limit)
        let items: [JSONObject] = page.users.map { user in
            [
                "id": .string(user.subject), "object": "user", "role": .string(user.role),
                "first_seen_at": .int(user.firstSeenAt), "last_seen_at": .int(user.lastSeenAt),
                "thread_count": .int(user.threadCount),
            ]
        }
        return .json(.object(UpstreamPage(data: items, firstID: nil, lastID: nil, hasMore: page.hasMore).envelope()))
    }

    /// `GET /admin/v1/users/{uid}/usage`: runs by status and tokens, over all the user's threads.
    func userUsage(_ request: RoutedRequest) async throws -> HTTPResponse {
        let subject = try request.requireParameter("user_id")
        guard try await userStore.exists(subject) else { throw Self.userNotFound(subject) }
        let usage = try await runs.usage(owner: subject)
        var byStatus = JSONObject()
        var total: Int64 = 0
        for (status, count) in usage.byStatus {
            byStatus[status] = .int(count)
            total += count
        }
        return .json([
            "object": "user.usage", "user_id": .string(subject),
            "runs": ["total": .int(total), "by_status": .object(byStatus)],
            "usage": [
                "prompt_tokens": .int(usage.prompt), "completion_tokens": .int(usage.completion),
                "total_tokens": .int(usage.total),
            ],
        ])
    }

    /// `DELETE /admin/v1/users/{uid}`: each thread upstream then locally, one at a time, then
    /// the user. An interrupted deletion resumes where it stopped when repeated; a user who is
    /// already gone answers the same success with `threads_deleted: 0`.
    func deleteUser(_ request: RoutedRequest) async throws -> HTTPResponse {
        let subject = try request.requireParameter("user_id")
        var deleted = 0
        for thread in try await threads.allThreads(owner: subject) {
            try await deleteUpstreamThread(thread.upstreamThreadID, dialect: thread.dialect, request)
            try await threads.remove(thread.id)
            if !thread.deleted { deleted += 1 }
        }
        try await userStore.remove(subject)
        users.forget(subject)
        return .json(["id": .string(subject), "object": "user.deleted", "deleted": true, "threads_deleted": .int(Int64(deleted))])
    }

    static func userNotFound(_ subject: String) -> APIError {
        .notFound(message: "No user found with id '\(subject)'.")
    }

    // MARK: Assistants

    /// The upstream's assistants, proxied for admins (`/admin/v1/assistants`).
    func registerAdminAssistantRoutes(on routes: RouteGroup) {
        routes.post("/assistants") { request in
            let body = try request.decodeJSONObject()
            return .json(.object(try await self.assistantsCall { dialect throws(UpstreamAPIError) in
                try await dialect.createAssistant(body: body, context: self.context(request))
            }))
        }
        routes.get("/assistants") { request in
            let page = try Self.pageRequest(request)
            let result = try await self.assistantsCall { dialect throws(UpstreamAPIError) in
                try await dialect.listAssistants(page: page, context: self.context(request))
            }
            return .json(.object(result.envelope()))
        }
        routes.get("/assistants/{assistant_id}") { request in
            let id = try request.requireParameter("assistant_id")
            return .json(.object(try await self.assistantsCall { dialect throws(UpstreamAPIError) in
                try await dialect.retrieveAssistant(id: id, context: self.context(request))
            }))
        }
        routes.post("/assistants/{assistant_id}") { request in
            let id = try request.requireParameter("assistant_id")
            let body = try request.decodeJSONObject()
            return .json(.object(try await self.assistantsCall { dialect throws(UpstreamAPIError) in
                try await dialect.modifyAssistant(id: id, body: body, context: self.context(request))
            }))
        }
        routes.delete("/assistants/{assistant_id}") { request in
            let id = try request.requireParameter("assistant_id")
            return .json(.object(try await self.assistantsCall { dialect throws(UpstreamAPIError) in
                try await dialect.deleteAssistant(id: id, context: self.context(request))
            }))
        }
    }

    /// A call on the default dialect's assistants.
    func assistantsCall<T>(_ call: (any UpstreamDialect) async throws(UpstreamAPIError) -> T) async throws -> T {
        let dialect = try dialects.dialect(configuration.defaultDialect)
        do {
            return try await call(dialect)
        } catch {
            throw error.apiError
        }
    }

    /// `GET /v1/assistants`: the assistants a client may name, details from the upstream
    /// (cached for `assistantCacheLifetime`).
    func listSelectableAssistants(_ request: RoutedRequest) async throws -> HTTPResponse {
        var items: [JSONObject] = []
        for id in configuration.selectableAssistantIDs {
            let object = try await assistantCatalog.assistant(id) {
                try await self.assistantsCall { dialect throws(UpstreamAPIError) in
                    try await dialect.retrieveAssistant(id: id, context: self.context(request))
                }
            }
            items.append(object)
        }
        return .json(.object(UpstreamPage(data: items, firstID: nil, lastID: nil, hasMore: false).envelope()))
    }
}
