import HTTP1
import HTTPRouting
import JSON
import UpstreamAPI

extension Gateway {
    func registerMessageRoutes(on routes: RouteGroup) {
        routes.post("/threads/{thread_id}/messages") { request in try await self.createMessage(request) }
        routes.get("/threads/{thread_id}/messages") { request in
            try await self.forRunsBeforeMigration(request, runID: request.query["run_id"], answer: .gone) {
                let thread = try await self.ownedThread(request)
                return try await self.listMessages(of: thread, request)
            }
        }
        routes.get("/threads/{thread_id}/messages/{message_id}") { request in
            let thread = try await self.ownedThread(request)
            let messageID = try request.requireParameter("message_id")
            let message = try await self.upstream(thread) { dialect throws(UpstreamAPIError) in
                try await dialect.retrieveMessage(threadID: thread.upstreamThreadID, messageID: messageID, context: self.context(request))
            }
            return .json(.object(try self.present(message, of: thread, kind: "message")))
        }
    }

    /// `POST /v1/threads/{id}/messages`, passed through as sent; the upstream checks the body.
    func createMessage(_ request: RoutedRequest) async throws -> HTTPResponse {
        let thread = try await ownedThread(request)
        let body = try request.decodeJSONObject()
        try Self.rejectUnknownFields(body, allowed: Self.messageFields)
        try await requireFreeThread(thread, request)
        let message = try await upstream(thread) { dialect throws(UpstreamAPIError) in
            try await dialect.createMessage(threadID: thread.upstreamThreadID, body: body, context: context(request))
        }
        try await threads.touchActivity(thread.id)
        return .json(.object(try present(message, of: thread, kind: "message")))
    }

    static let messageFields: Set<String> = ["role", "content", "attachments", "metadata"]

    /// A page of `thread`'s messages (`limit`, `order`, `after`, `before`, `run_id`).
    func listMessages(of thread: ThreadRecord, _ request: RoutedRequest) async throws -> HTTPResponse {
        let page = try Self.pageRequest(request)
        let runID = try Self.nonEmptyQuery(request, "run_id")
        let result = try await upstream(thread) { dialect throws(UpstreamAPIError) in
            try await dialect.listMessages(threadID: thread.upstreamThreadID, page: page, runID: runID, context: context(request))
        }
        return try present(result, of: thread, kind: "message")
    }
}
