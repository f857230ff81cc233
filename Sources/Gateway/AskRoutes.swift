import EventLoop
import HTTP1
import HTTPRouting
import JSON
import Metrics
import UpstreamAPI

extension Gateway {
    func registerAskRoutes(on routes: RouteGroup) {
        // The handlers of waiting calls only await: what they prepare runs in frames that are
        // gone before the wait, since a waiting call's frames live as long as the wait.
        routes.post("/threads/{thread_id}/ask") { request in
            let (ask, thread) = try await self.askOnThread(request)
            return try await self.answer(ask, thread: thread, request)
        }
        routes.post("/ask") { request in
            let (ask, thread) = try await self.askOnNewThread(request)
            return try await self.answer(ask, thread: thread, request)
        }
        routes.post("/threads/{thread_id}/runs/{run_id}/wait") { request in
            let thread = try await self.ownedThread(request)
            let runID = try request.requireParameter("run_id")
            let deadline = ContinuousClock.now + (try AskRequest.wait(query: request, settings: self.configuration.ask))
            return .later {
                // The run is looked up in the wait: a run from before a migration is found there.
                try await self.forRunsBeforeMigration(request, runID: runID, answer: .gone) {
                    let outcome = try await self.follow(thread, .existing(runID: runID), holder: nil, until: deadline, request)
                    return try self.askResponse(thread, outcome)
                }
            }
        }
    }

    private func askOnThread(_ request: RoutedRequest) async throws -> (AskRequest, ThreadRecord) {
        try await inChildTask {
            let thread = try await self.ownedThread(request)
            return (try AskRequest(request, settings: self.configuration.ask, newThread: false), thread)
        }
    }

    private func askOnNewThread(_ request: RoutedRequest) async throws -> (AskRequest, ThreadRecord) {
        try await inChildTask {
            let ask = try AskRequest(request, settings: self.configuration.ask, newThread: true)
            _ = try self.assistantForRun(ask.assistantID)  // refused before a thread is made for it
            let thread = try await self.makeThread(
                for: try request.caller, metadata: ask.thread?["metadata"], title: ask.thread?["title"], messages: [],
                paramPrefix: "thread.", request)
            return (ask, thread)
        }
    }

    /// `POST …/submit_tool_outputs?wait_ms=`: the outputs, then a wait answered like an ask.
    func submitAndWait(_ request: RoutedRequest, body: JSONObject) async throws -> HTTPResponse {
        let thread = try await ownedThread(request)
        let runID = try request.requireParameter("run_id")
        let deadline = ContinuousClock.now + (try AskRequest.wait(query: request, settings: configuration.ask))
        var body = body
        body["stream"] = nil
        return .later { [body] in
            try await self.forRunsBeforeMigration(request, runID: runID, answer: .gone) {
                let outcome = try await self.follow(thread, .submit(runID: runID, body), holder: runID, until: deadline, request)
                return try self.askResponse(thread, outcome)
            }
        }
    }

    /// Takes the thread's turn, starts the run and waits (or streams events) within the budget.
    /// The wait is a later response (or an event stream): it runs once this handler's frames,
    /// and the memory its task's deepest calls took, are gone.
    func answer(_ ask: AskRequest, thread: ThreadRecord, _ request: RoutedRequest) async throws -> HTTPResponse {
        let (body, deadline, marker) = try await startTurn(ask, thread: thread, request)
        if ask.stream {
            return eventStream(thread) { emit in
                try await self.follow(thread, .create(body), holder: marker, until: deadline, request, onEvent: emit)
            }
        }
        return .later {
            let outcome = try await self.follow(thread, .create(body), holder: marker, until: deadline, request)
            return try self.askResponse(thread, outcome)
        }
    }

    /// The run request, the ask's deadline and the turn's claim marker, once the turn is taken.
    private func startTurn(
        _ ask: AskRequest, thread: ThreadRecord, _ request: RoutedRequest
    ) async throws -> (JSONObject, ContinuousClock.Instant, String) {
        let body = ask.runBody(assistantID: try assistantForRun(ask.assistantID))
        let deadline = ContinuousClock.now + ask.wait
        do {
            return (body, deadline, try await inChildTask { try await self.takeTurn(thread, until: deadline, request) })
        } catch {
            AskMetrics.outcome("busy")
            throw error
        }
    }

    /// Follows a run of `thread`, keeping the turn bookkeeping: the claim `holder` becomes
    /// the run id as soon as it is known, the run is recorded, and an ended run frees the thread.
    /// The wait's own frame holds little: what the bookkeeping needs is in a ``RunBookkeeping``.
    func follow(
        _ thread: ThreadRecord, _ start: RunFollower.Start, holder: String?, until deadline: ContinuousClock.Instant,
        _ request: RoutedRequest, onEvent: (@Sendable (RunStreamEvent) async -> Void)? = nil
    ) async throws -> RunFollower.Outcome {
        let bookkeeping = try RunBookkeeping(self, thread, start, holder: holder, request)
        AskMetrics.waiting.increment()
        defer { AskMetrics.waiting.decrement() }
        let result: Result<RunFollower.Outcome, any Error>
        do {
            result = .success(try await bookkeeping.follower.follow(start, until: deadline) { event in
                if case .run(let run) = event { try? await bookkeeping.record(run) }
                await onEvent?(event)
            })
        } catch {
            result = .failure(error)
        }
        return try await bookkeeping.concluded(result)
    }

    /// The ask's answer: 200 when the run settled, else 202 with where to poll or wait again.
    /// Out of line: its temporaries stay out of the waiting frames that call it.
    @inline(never)
    func askResponse(_ thread: ThreadRecord, _ outcome: RunFollower.Outcome) throws -> HTTPResponse {
        let body = try askBody(thread, outcome)
        if outcome.ending == .settled { return .json(.object(body)) }
        var headers = HTTPHeaders()
        headers.add(name: "location", value: body["wait_url"]?.stringValue ?? "")
        return .json(.object(body), status: .accepted, headers: headers)
    }

    func askBody(_ thread: ThreadRecord, _ outcome: RunFollower.Outcome) throws -> JSONObject {
        let run = try present(outcome.run.object, of: thread, kind: "run")
        var messages: [JSONValue] = []
        for message in outcome.messages { messages.append(.object(try present(message, of: thread, kind: "message"))) }
        var body: JSONObject = [
            "object": "thread.ask",
            "thread_id": .string(thread.id),
            "status": .string(outcome.run.status.rawValue),
            "run": .object(run),
            "messages": .array(messages),
            "upstream_requests": .int(Int64(outcome.upstreamRequests)),
        ]
        if outcome.run.status == .requiresAction {
            body["tool_calls"] = run["required_action"]?["submit_tool_outputs"]?["tool_calls"] ?? .array([])
        }
        if outcome.ending != .settled {
            let runPath = "/v1/threads/\(thread.id)/runs/\(outcome.run.id)"
            body["poll_url"] = .string(runPath)
            body["wait_url"] = .string(runPath + "/wait")
        }
        return body
    }

    // MARK: Server-sent events

    /// `text/event-stream`: `run.status`, `message.delta`, `message.completed` as they come,
    /// comment heartbeats while idle, and a final `result` (the JSON answer, with `http_status`)
    /// or `error` event.
    func eventStream(
        _ thread: ThreadRecord, _ run: @escaping @Sendable (@escaping @Sendable (RunStreamEvent) async -> Void) async throws -> RunFollower.Outcome
    ) -> HTTPResponse {
        let heartbeat = configuration.ask.heartbeat
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "text/event-stream")
        headers.add(name: "cache-control", value: "no-cache")
        headers.add(name: "x-accel-buffering", value: "no")
        return HTTPResponse(status: .ok, headers: headers, body: .stream { writer in
            let (frames, sink) = AsyncStream<[UInt8]>.makeStream(bufferingPolicy: .unbounded)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {  // the one writer: frames in order, with the connection's backpressure
                    for await frame in frames { try await writer.write(frame) }
                }
                let heartbeats = Task {
                    while !Task.isCancelled {
                        try await Task.sleep(for: heartbeat)
                        sink.yield(Array(": keep-alive\n\n".utf8))
                    }
                }
                defer { heartbeats.cancel() }
                do {
                    let outcome = try await run { event in
                        if let frame = try? self.frame(for: event, thread: thread) { sink.yield(frame) }
                    }
                    var result = try self.askBody(thread, outcome)
                    result["http_status"] = .int(outcome.ending == .settled ? 200 : 202)
                    sink.yield(Self.frame("result", .object(result)))
                } catch let error as APIErrorConvertible {
                    sink.yield(Self.frame("error", error.apiError.body))
                } catch is CancellationError {
                    // The client went away; the run goes on.
                } catch {
                    sink.yield(Self.frame("error", APIError.internal(debugDetail: "\(error)").body))
                }
                heartbeats.cancel()
                sink.finish()
                try await group.waitForAll()
            }
        })
    }

    func frame(for event: RunStreamEvent, thread: ThreadRecord) throws -> [UInt8] {
        switch event {
        case .run(let run):
            return Self.frame("run.status", .object(try present(run.object, of: thread, kind: "run")))
        case .messageDelta(let messageID, let text):
            return Self.frame("message.delta", ["message_id": .string(messageID), "delta": .string(text)])
        case .messageCompleted(let message):
            return Self.frame("message.completed", .object(try present(message, of: thread, kind: "message")))
        }
    }

    static func frame(_ name: String, _ data: JSONValue) -> [UInt8] {
        Array("event: \(name)\ndata: ".utf8) + data.serialized() + Array("\n\n".utf8)
    }
}

/// What following one run needs besides the wait: the follower, and the turn and run records
/// kept as the run is first seen and when the wait ends.
final class RunBookkeeping: Sendable {
    let follower: RunFollower
    private let gateway: Gateway
    private let thread: ThreadRecord
    private let start: RunFollower.Start
    private let holder: String?
    private let idempotencyKey: String?
    private let sighting = FirstSighting()

    @inline(never)  // its temporaries stay out of the waiting frame that makes it
    init(_ gateway: Gateway, _ thread: ThreadRecord, _ start: RunFollower.Start, holder: String?, _ request: RoutedRequest) throws {
        self.gateway = gateway
        self.thread = thread
        self.start = start
        self.holder = holder
        idempotencyKey = request.headers["idempotency-key"]
        follower = RunFollower(
            dialect: try gateway.dialects.dialect(thread.dialect), upstreamThreadID: thread.upstreamThreadID,
            settings: gateway.configuration.ask, drain: gateway.drain, alarms: gateway.alarms, streams: gateway.streams, polls: gateway.polls,
            context: gateway.context(request))
    }

    /// Once per run: the claim marker becomes the run id, and a new run is recorded.
    func record(_ run: UpstreamRun) async throws {
        guard sighting.isFirst(run.id) else { return }
        if let holder, ThreadTurns.isMarker(holder) {
            try await gateway.turns.replace(thread.id, current: holder, next: run.id, lease: gateway.configuration.ask.runLease)
        }
        if case .create = start { try await gateway.runs.record(run, threadID: thread.id, idempotencyKey: idempotencyKey) }
    }

    /// The bookkeeping after a wait: a failed start frees the turn; a run seen is recorded and
    /// observed (an ended one frees the thread).
    func concluded(_ result: Result<RunFollower.Outcome, any Error>) async throws -> RunFollower.Outcome {
        let outcome: RunFollower.Outcome
        switch result {
        case .success(let value):
            outcome = value
        case .failure(let error):
            if let holder, ThreadTurns.isMarker(holder), !sighting.any { try? await gateway.turns.release(thread.id, holder: holder) }
            AskMetrics.outcome("error")
            if let error = error as? UpstreamAPIError {
                if error.isRunActive { throw Gateway.threadBusy(thread, activeRunID: error.activeRunID) }
                throw error.apiError(replacing: [(thread.upstreamThreadID, thread.id)])
            }
            throw error
        }
        try await record(outcome.run)
        _ = try gateway.present(outcome.run.object, of: thread, kind: "run")  // 404 for a run of another thread
        let isNewRun = if case .create = start { true } else { false }
        try await gateway.observed(outcome.run, of: thread, touchingActivity: isNewRun)
        AskMetrics.finished(outcome)
        return outcome
    }
}

/// Remembers the first run id seen, so bookkeeping runs once per run.
final class FirstSighting: Sendable {
    private let seen = LockedValue<Set<String>>([])
    var any: Bool { seen.withLock { !$0.isEmpty } }
    func isFirst(_ id: String) -> Bool { seen.withLock { $0.insert(id).inserted } }
}

/// The ask figures in `/metrics`: asks by outcome, upstream requests per ask, asks waiting.
enum AskMetrics {
    static let waiting = Meter(label: "threadgate_asks_waiting")
    /// Asks following their run over an upstream stream now (at most `ASK_MAX_STREAMS`).
    static let streaming = Meter(label: "threadgate_ask_streams_open")
    /// Asks that polled because every stream slot was taken.
    static let streamBudgetExhausted = Counter(label: "threadgate_ask_stream_budget_exhausted_total")
    /// Upstream polls of waiting asks in flight now (at most `ASK_MAX_POLLS`).
    static let pollsInFlight = Meter(label: "threadgate_ask_polls_in_flight")
    /// Polls that waited in line because every poll slot was in flight.
    static let pollsDeferred = Counter(label: "threadgate_ask_polls_deferred_total")
    static let upstreamRequests = Recorder(label: "threadgate_ask_upstream_requests")

    static func outcome(_ name: String) {
        Counter(label: "threadgate_asks_total", dimensions: [("outcome", name)]).increment()
    }

    static func finished(_ outcome: RunFollower.Outcome) {
        switch outcome.ending {
        case .settled: Self.outcome(outcome.run.status.rawValue)
        case .budget: Self.outcome("accepted")
        case .draining: Self.outcome("draining")
        }
        upstreamRequests.record(outcome.upstreamRequests)
    }
}
