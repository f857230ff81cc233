import EventLoop
import HTTP1
import HTTPRouting
import JSON

/// The simulator's route table: the Assistants v2 API under `/v1` (behind faults, the API
/// key and the `OpenAI-Beta` check), the Responses + Conversations API under `/v1` (faults
/// and the key) and `/v1/_simulator/stats` (none of those).
struct SimulatorRoutes {
    let engine: SimulatorEngine
    let stats: SimulatorStats
    let injector: FaultInjector
    let configuration: SimulatorConfiguration

    func build() -> Router {
        let routes = RouterBuilder()
        registerStats(on: routes)
        let common: [any Middleware] = [
            FaultMiddleware(injector: injector, stats: stats, loop: engine.loop),
            APIKeyMiddleware(apiKey: configuration.apiKey),
        ]
        var assistantsMiddleware = common
        if configuration.requireBetaHeader { assistantsMiddleware.append(BetaHeaderMiddleware()) }
        let v1 = routes.group("/v1", middleware: assistantsMiddleware)
        registerAssistants(on: v1)
        registerThreads(on: v1)
        registerMessages(on: v1)
        registerRuns(on: v1)
        let responsesV1 = routes.group("/v1", middleware: common)
        registerConversations(on: responsesV1)
        registerResponses(on: responsesV1)
        return routes.build()
    }

    /// A run object with `openai-poll-after-ms`, as the upstream sends on run responses.
    func runResponse(_ json: JSONValue) -> HTTPResponse {
        .json(json, headers: ["openai-poll-after-ms": String(configuration.pollAfterMillis)])
    }

    /// A run just created or resumed: its events when it asked to stream, else its JSON.
    func runStartResponse(_ start: RunStart) -> HTTPResponse {
        start.stream ? EventStream.response(engine: engine, start: start) : runResponse(start.json)
    }

    private func registerStats(on routes: RouterBuilder) {
        let engine = engine
        let stats = stats
        routes.get("/v1/_simulator/stats") { _ in
            let counters = await engine.update { state, now -> SimulatorCounters in
                state.advanceAll(now: now)
                return state.counters
            }
            var body = counters.json.objectValue ?? [:]
            body["requests"] = stats.json
            body["object"] = "simulator.stats"
            return .json(.object(body))
        }
        routes.delete("/v1/_simulator/stats") { _ in
            stats.reset()
            await engine.update { state, _ in state.counters = SimulatorCounters() }
            return .json(["object": "simulator.stats", "reset": true])
        }
    }

    private func registerAssistants(on v1: RouteGroup) {
        let engine = engine
        v1.post("/assistants") { request in
            let body = try request.simulatorBody()
            return .json(try await engine.perform { state, now throws(SimulatorError) in try state.createAssistant(body, now: now) })
        }
        v1.get("/assistants") { request in
            let query = try request.listQuery()
            return .json(await engine.update { state, _ in state.listAssistants(query) })
        }
        v1.get("/assistants/{assistant_id}") { request in
            let id = try request.id("assistant_id")
            return .json(try await engine.perform { state, _ throws(SimulatorError) in try state.assistant(id) })
        }
        v1.post("/assistants/{assistant_id}") { request in
            let id = try request.id("assistant_id")
            let body = try request.simulatorBody()
            return .json(try await engine.perform { state, _ throws(SimulatorError) in try state.modifyAssistant(id, body) })
        }
        v1.delete("/assistants/{assistant_id}") { request in
            let id = try request.id("assistant_id")
            return .json(try await engine.perform { state, _ throws(SimulatorError) in try state.deleteAssistant(id) })
        }
    }

    private func registerThreads(on v1: RouteGroup) {
        let engine = engine
        v1.post("/threads") { request in
            let body = try request.simulatorBody()
            return .json(try await engine.perform { state, now throws(SimulatorError) in try state.createThread(body, now: now) })
        }
        v1.get("/threads/{thread_id}") { request in
            let id = try request.id("thread_id")
            return .json(try await engine.perform { state, now throws(SimulatorError) in try state.thread(id, now: now) })
        }
        v1.post("/threads/{thread_id}") { request in
            let id = try request.id("thread_id")
            let body = try request.simulatorBody()
            return .json(try await engine.perform { state, now throws(SimulatorError) in try state.modifyThread(id, body, now: now) })
        }
        v1.delete("/threads/{thread_id}") { request in
            let id = try request.id("thread_id")
            return .json(try await engine.perform { state, _ throws(SimulatorError) in try state.deleteThread(id) })
        }
    }

    private func registerMessages(on v1: RouteGroup) {
        let engine = engine
        v1.post("/threads/{thread_id}/messages") { request in
            let threadID = try request.id("thread_id")
            let body = try request.simulatorBody()
            return .json(
                try await engine.perform { state, now throws(SimulatorError) in
                    try state.createMessage(threadID: threadID, body, now: now)
                })
        }
        v1.get("/threads/{thread_id}/messages") { request in
            let threadID = try request.id("thread_id")
            let query = try request.listQuery()
            let runID = request.query["run_id"].flatMap { $0.isEmpty ? nil : $0 }
            return .json(
                try await engine.perform { state, now throws(SimulatorError) in
                    try state.listMessages(threadID: threadID, query, runID: runID, now: now)
                })
        }
        v1.get("/threads/{thread_id}/messages/{message_id}") { request in
            let threadID = try request.id("thread_id")
            let id = try request.id("message_id")
            return .json(
                try await engine.perform { state, now throws(SimulatorError) in try state.message(threadID: threadID, id, now: now) })
        }
        v1.post("/threads/{thread_id}/messages/{message_id}") { request in
            let threadID = try request.id("thread_id")
            let id = try request.id("message_id")
            let body = try request.simulatorBody()
            return .json(
                try await engine.perform { state, now throws(SimulatorError) in
                    try state.modifyMessage(threadID: threadID, id, body, now: now)
                })
        }
        v1.delete("/threads/{thread_id}/messages/{message_id}") { request in
            let threadID = try request.id("thread_id")
            let id = try request.id("message_id")
            return .json(
                try await engine.perform { state, now throws(SimulatorError) in
                    try state.deleteMessage(threadID: threadID, id, now: now)
                })
        }
    }

    private func registerRuns(on v1: RouteGroup) {
        let engine = engine
        let routes = self
        v1.post("/threads/runs") { request in
            let body = try request.simulatorBody()
            let start = try await engine.perform { state, now throws(SimulatorError) in try state.createThreadAndRun(body, now: now) }
            return routes.runStartResponse(start)
        }
        v1.post("/threads/{thread_id}/runs") { request in
            let threadID = try request.id("thread_id")
            let body = try request.simulatorBody()
            let start = try await engine.perform { state, now throws(SimulatorError) in
                try state.createRun(threadID: threadID, body, now: now)
            }
            return routes.runStartResponse(start)
        }
        v1.get("/threads/{thread_id}/runs") { request in
            let threadID = try request.id("thread_id")
            let query = try request.listQuery()
            return .json(
                try await engine.perform { state, now throws(SimulatorError) in try state.listRuns(threadID: threadID, query, now: now) })
        }
        v1.get("/threads/{thread_id}/runs/{run_id}") { request in
            let threadID = try request.id("thread_id")
            let runID = try request.id("run_id")
            return routes.runResponse(
                try await engine.perform { state, now throws(SimulatorError) in try state.run(threadID: threadID, runID, now: now) })
        }
        v1.post("/threads/{thread_id}/runs/{run_id}") { request in
            let threadID = try request.id("thread_id")
            let runID = try request.id("run_id")
            let body = try request.simulatorBody()
            return routes.runResponse(
                try await engine.perform { state, now throws(SimulatorError) in
                    try state.modifyRun(threadID: threadID, runID, body, now: now)
                })
        }
        v1.post("/threads/{thread_id}/runs/{run_id}/cancel") { request in
            let threadID = try request.id("thread_id")
            let runID = try request.id("run_id")
            return routes.runResponse(
                try await engine.perform { state, now throws(SimulatorError) in try state.cancelRun(threadID: threadID, runID, now: now) })
        }
        v1.post("/threads/{thread_id}/runs/{run_id}/submit_tool_outputs") { request in
            let threadID = try request.id("thread_id")
            let runID = try request.id("run_id")
            let body = try request.simulatorBody()
            let start = try await engine.perform { state, now throws(SimulatorError) in
                try state.submitToolOutputs(threadID: threadID, runID, body, now: now)
            }
            return routes.runStartResponse(start)
        }
        v1.get("/threads/{thread_id}/runs/{run_id}/steps") { request in
            let threadID = try request.id("thread_id")
            let runID = try request.id("run_id")
            let query = try request.listQuery()
            return .json(
                try await engine.perform { state, now throws(SimulatorError) in
                    try state.listSteps(threadID: threadID, runID: runID, query, now: now)
                })
        }
        v1.get("/threads/{thread_id}/runs/{run_id}/steps/{step_id}") { request in
            let threadID = try request.id("thread_id")
            let runID = try request.id("run_id")
            let stepID = try request.id("step_id")
            return .json(
                try await engine.perform { state, now throws(SimulatorError) in
                    try state.step(threadID: threadID, runID: runID, stepID, now: now)
                })
        }
    }
}
