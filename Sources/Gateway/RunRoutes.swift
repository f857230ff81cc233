import HTTP1
import HTTPRouting
import JSON
import UpstreamAPI

extension APIError.Code {
    /// A run named an assistant outside the gateway's allow-list.
    static let assistantNotAllowed = APIError.Code("assistant_not_allowed")
    /// No assistant was named and the gateway has no default.
    static let assistantRequired = APIError.Code("assistant_required")
}

extension Gateway {
    func registerRunRoutes(on routes: RouteGroup) {
        routes.post("/threads/{thread_id}/runs") { request in try await self.createRun(request) }
        routes.get("/threads/{thread_id}/runs") { request in
            let thread = try await self.ownedThread(request)
            let page = try Self.pageRequest(request)
            let dialect = try self.dialects.dialect(thread.dialect)
            let result: UpstreamPage
            do throws(UpstreamAPIError) {
                result = try await dialect.listRuns(threadID: thread.upstreamThreadID, page: page, context: self.context(request))
            } catch {
                guard error.kind == .unsupported else { throw error.apiError(replacing: [(thread.upstreamThreadID, thread.id)]) }
                // The upstream cannot list a thread's runs: the runs threadgate recorded.
                return .json(.object(try await self.recordedRuns(thread, page, request)))
            }
            return try self.present(result, of: thread, kind: "run")
        }
        routes.get("/threads/{thread_id}/runs/{run_id}") { request in
            try await self.forRunsBeforeMigration(request, runID: request.parameters["run_id"], answer: .record) {
                try await self.runCall(request) { dialect, thread, runID throws(UpstreamAPIError) in
                    try await dialect.retrieveRun(threadID: thread.upstreamThreadID, runID: runID, context: self.context(request))
                }
            }
        }
        routes.post("/threads/{thread_id}/runs/{run_id}/cancel") { request in
            try await self.forRunsBeforeMigration(request, runID: request.parameters["run_id"], answer: .gone) {
                try await self.runCall(request) { dialect, thread, runID throws(UpstreamAPIError) in
                    try await dialect.cancelRun(threadID: thread.upstreamThreadID, runID: runID, context: self.context(request))
                }
            }
        }
        routes.post("/threads/{thread_id}/runs/{run_id}/submit_tool_outputs") { request in
            let body = try request.decodeJSONObject()
            try Self.rejectUnknownFields(body, allowed: ["tool_outputs", "stream"])
            return try await self.forRunsBeforeMigration(request, runID: request.parameters["run_id"], answer: .gone) {
                if request.query["wait_ms"] != nil { return try await self.submitAndWait(request, body: body) }
                if body["stream"]?.boolValue == true { throw Self.streamingUnsupported }
                return try await self.runCall(request) { dialect, thread, runID throws(UpstreamAPIError) in
                    try await dialect.submitToolOutputs(
                        threadID: thread.upstreamThreadID, runID: runID, body: body, context: self.context(request))
                }
            }
        }
        routes.get("/threads/{thread_id}/runs/{run_id}/steps") { request in
            try await self.forRunsBeforeMigration(request, runID: request.parameters["run_id"], answer: .gone) {
                let thread = try await self.ownedThread(request)
                let runID = try request.requireParameter("run_id")
                let page = try Self.pageRequest(request)
                let result = try await self.upstream(thread) { dialect throws(UpstreamAPIError) in
                    try await dialect.listRunSteps(
                        threadID: thread.upstreamThreadID, runID: runID, page: page, context: self.context(request))
                }
                return try self.present(result, of: thread, kind: "run step")
            }
        }
        routes.get("/threads/{thread_id}/runs/{run_id}/steps/{step_id}") { request in
            try await self.forRunsBeforeMigration(request, runID: request.parameters["run_id"], answer: .gone) {
                let thread = try await self.ownedThread(request)
                let runID = try request.requireParameter("run_id")
                let stepID = try request.requireParameter("step_id")
                let step = try await self.upstream(thread) { dialect throws(UpstreamAPIError) in
                    try await dialect.retrieveRunStep(
                        threadID: thread.upstreamThreadID, runID: runID, stepID: stepID, context: self.context(request))
                }
                return .json(.object(try self.present(step, of: thread, kind: "run step")))
            }
        }
    }

    static let streamingUnsupported = APIError.invalidParameter(
        "stream", message: "Streaming runs through the proxy is not supported; use 'stream': false and poll, or the ask endpoint.")

    /// `POST /v1/threads/{id}/runs`: the assistant decided here (default or allow-listed),
    /// everything else passed through; the run is recorded for usage reports.
    func createRun(_ request: RoutedRequest) async throws -> HTTPResponse {
        let thread = try await ownedThread(request)
        var body = try Self.objectBody(request)
        try Self.rejectUnknownFields(body, allowed: Self.runFields)
        if body["stream"]?.boolValue == true { throw Self.streamingUnsupported }
        body["assistant_id"] = .string(try assistantForRun(body["assistant_id"]))
        let marker = try await takeTurn(thread, until: .now, request)
        let run: UpstreamRun
        do {
            run = try await upstream(thread) { dialect throws(UpstreamAPIError) in
                try await dialect.createRun(threadID: thread.upstreamThreadID, body: body, context: context(request))
            }
        } catch {
            try? await turns.release(thread.id, holder: marker)
            throw error
        }
        try await turns.replace(thread.id, current: marker, next: run.id, lease: configuration.ask.runLease)
        try await runs.record(run, threadID: thread.id, idempotencyKey: request.headers["idempotency-key"])
        try await threads.touchActivity(thread.id)
        return .json(.object(try present(run.object, of: thread, kind: "run")))
    }

    /// What a run request may carry; the rest of the upstream's run options stay server-side.
    static let runFields: Set<String> = [
        "assistant_id", "instructions", "additional_instructions", "additional_messages", "metadata", "tools", "model",
        "temperature", "top_p", "max_prompt_tokens", "max_completion_tokens", "truncation_strategy", "tool_choice",
        "parallel_tool_calls", "response_format", "stream",
    ]

    /// The assistant a run uses: the one named if the gateway allows it, else the default.
    func assistantForRun(_ value: JSONValue?) throws(APIError) -> String {
        if let value, value != .null {
            guard let id = value.stringValue else {
                throw .invalidParameter("assistant_id", message: "Invalid type for 'assistant_id': expected a string.")
            }
            guard configuration.selectableAssistantIDs.contains(id) else {
                throw .badRequest(
                    code: .assistantNotAllowed, message: "The assistant '\(id)' is not available through this gateway.",
                    param: "assistant_id")
            }
            return id
        }
        guard let id = configuration.defaultAssistantID else {
            throw .badRequest(
                code: .assistantRequired, message: "This gateway has no default assistant; name one in 'assistant_id'.",
                param: "assistant_id")
        }
        return id
    }

    /// A call on one run of the caller's thread; the run's new status is stored.
    func runCall(
        _ request: RoutedRequest,
        _ call: @Sendable (any UpstreamDialect, ThreadRecord, String) async throws(UpstreamAPIError) -> UpstreamRun
    ) async throws -> HTTPResponse {
        let thread = try await ownedThread(request)
        let runID = try request.requireParameter("run_id")
        let run = try await upstream(thread) { dialect throws(UpstreamAPIError) in try await call(dialect, thread, runID) }
        let object = try present(run.object, of: thread, kind: "run")
        if run.status != .queued, run.status != .inProgress {
            try await observed(run, of: thread)
        }
        return .json(.object(object))
    }
}

extension Gateway {
    /// A page of the runs threadgate recorded for `thread`; runs on it not known to have
    /// settled are asked upstream first (and their new status stored).
    func recordedRuns(_ thread: ThreadRecord, _ page: PageRequest, _ request: RoutedRequest) async throws -> JSONObject {
        var envelope = Self.page(try await runs.runObjects(threadID: thread.id), page)
        guard var items = envelope["data"]?.arrayValue else { return envelope }
        let dialect = try dialects.dialect(thread.dialect)
        for index in items.indices {
            guard let id = items[index]["id"]?.stringValue, let status = items[index]["status"]?.stringValue,
                !RunFollower.isSettled(RunState(rawValue: status))
            else { continue }
            do {
                let run = try await dialect.retrieveRun(threadID: thread.upstreamThreadID, runID: id, context: context(request))
                try await observed(run, of: thread)
                items[index] = .object(try present(run.object, of: thread, kind: "run"))
            } catch {
                continue  // the recorded state stands
            }
        }
        envelope["data"] = .array(items)
        return envelope
    }

    /// One page of `items` (oldest first) in the list envelope, by `limit`, `order`, `after`, `before`.
    static func page(_ items: [JSONObject], _ request: PageRequest) -> JSONObject {
        var ordered = request.order == "asc" ? items : items.reversed()
        if let after = request.after, let index = ordered.firstIndex(where: { $0["id"]?.stringValue == after }) {
            ordered = Array(ordered[(index + 1)...])
        }
        if let before = request.before, let index = ordered.firstIndex(where: { $0["id"]?.stringValue == before }) {
            ordered = Array(ordered[..<index])
            let limit = request.limit ?? 20
            let hasMore = ordered.count > limit
            return UpstreamPage(data: Array(ordered.suffix(limit)), firstID: nil, lastID: nil, hasMore: hasMore).envelope()
        }
        let limit = request.limit ?? 20
        return UpstreamPage(data: Array(ordered.prefix(limit)), firstID: nil, lastID: nil, hasMore: ordered.count > limit).envelope()
    }
}
