import EventLoop
import HTTP1
import JSON
@testable import ResponsesV1
import Simulator
import Testing
import TestSupport
import UpstreamAPI
@testable import UpstreamHTTP

/// A simulator on loopback (its own loop) and a `ResponsesDialect` on another loop.
struct Harness: Sendable {
    static let apiKey = "sk-test-0123456789abcdef"
    static let profiles = [
        ResponsesProfile(assistantID: "asst_default", model: "gpt-4o", instructions: "Echo it."),
        ResponsesProfile(
            assistantID: "asst_tools", model: "gpt-4o-mini", instructions: "Use the tools.",
            tools: [
                ["type": "function", "function": ["name": "get_weather", "parameters": ["type": "object"]]],
                ["type": "function", "name": "get_time", "description": "The time of day."],
            ]),
    ]

    let server: SimulatorServer
    let http: UpstreamHTTPClient
    let dialect: ResponsesDialect
    let context = UpstreamCallContext(requestID: "req_test")

    var baseURL: String { "http://127.0.0.1:\(server.port)/v1" }

    /// The same dialect with another configuration (a wrong key, say).
    func dialect(_ change: (inout ResponsesConfiguration) -> Void) -> ResponsesDialect {
        var configuration = dialect.configuration
        change(&configuration)
        return ResponsesDialect(http: http, configuration: configuration)
    }

    /// A raw call to the simulator, for setting up what the dialect never writes itself.
    func raw(_ method: UpstreamMethod, _ path: String, body: JSONObject? = nil) async throws -> JSONObject {
        try await dialect.transport.send(method, path, body: body, requestID: nil).object
    }

    /// A new thread holding one user message per text.
    func thread(saying texts: String..., metadata: JSONObject = ["threadgate_owner": "u1"]) async throws -> String {
        try await dialect.createThread(
            metadata: metadata, messages: texts.map { ["role": "user", "content": .string($0)] }, context: context)
    }

    /// Polls the run until it ends or requires action.
    func waitForRun(_ threadID: String, _ runID: String, timeout: Int64 = 5000) async throws -> UpstreamRun {
        let deadline = monotonicMillis() + timeout
        while true {
            let run = try await dialect.retrieveRun(threadID: threadID, runID: runID, context: context)
            if run.status.isTerminal || run.status == .requiresAction || monotonicMillis() > deadline { return run }
            try await Task.sleep(for: run.pollAfter ?? .milliseconds(10))
        }
    }

    /// Every event of `stream` until it ends.
    func drain(_ stream: any RunEventStream) async throws(UpstreamAPIError) -> [RunStreamEvent] {
        var events: [RunStreamEvent] = []
        while let event = try await stream.next() { events.append(event) }
        return events
    }

    /// Finished requests to `route` (such as `GET /v1/responses/{response_id}`), once the
    /// count has settled (a stream's request finishes after its last event was read).
    func requests(_ route: String, settlingAt expected: Int) async -> Int {
        _ = await eventually(timeout: .seconds(10)) { server.stats.requests(route: route) >= expected }
        try? await Task.sleep(for: .milliseconds(50))
        return server.stats.requests(route: route)
    }

    /// The texts of every message of the thread, oldest first.
    func texts(_ threadID: String, runID: String? = nil) async throws -> [String] {
        let page = try await dialect.listMessages(
            threadID: threadID, page: PageRequest(limit: 100, order: "asc"), runID: runID, context: context)
        return page.data.map(\.text)
    }
}

extension JSONObject {
    /// A `thread.message`'s first text part.
    var text: String { self["content"]?[0]?["text"]?["value"]?.stringValue ?? "" }
}

/// Fast run timing for socket tests.
let fastTiming = RunTiming(queuedMillis: 10, workMillis: 40, cancelMillis: 10)

/// Starts a simulator on port 0 and the dialect, runs `body`, then shuts everything down and
/// checks that no transfer, connection or loop handle was left behind.
func withResponses(
    timing: RunTiming = fastTiming, faults: FaultSettings = FaultSettings(), sourceLocation: SourceLocation = #_sourceLocation,
    _ body: (Harness) async throws -> Void
) async throws {
    let serverLoop = try EventLoop.start(name: "responses-sim")
    let clientLoop = try EventLoop.start(name: "responses-client")
    var configuration = SimulatorConfiguration(apiKey: Harness.apiKey)
    configuration.port = 0
    configuration.timing = timing
    configuration.seed = 9876
    configuration.faults = faults
    let server: SimulatorServer
    do {
        server = try await SimulatorServer.start(configuration, loops: [serverLoop])
    } catch {
        try await onThread { EventLoop.shutdownAndJoin([serverLoop, clientLoop]) }
        throw error
    }
    let http = UpstreamHTTPClient(loop: clientLoop, configuration: UpstreamHTTPConfiguration(retryPolicy: .none))
    let dialect = ResponsesDialect(
        http: http,
        configuration: ResponsesConfiguration(
            baseURL: "http://127.0.0.1:\(server.port)/v1/", apiKey: Harness.apiKey, profiles: Harness.profiles))
    var failure: (any Error)?
    do {
        try await body(Harness(server: server, http: http, dialect: dialect))
    } catch {
        failure = error
    }
    let transfers = await http.statistics().transfers
    #expect(transfers == 0, "transfers left in flight", sourceLocation: sourceLocation)
    await http.shutdown()
    await server.shutdown(gracePeriod: .seconds(2))
    #expect(await server.connectionCount() == 0, sourceLocation: sourceLocation)
    let statuses = try await onThread {
        EventLoop.shutdownAndJoin([clientLoop, serverLoop])
        return [clientLoop, serverLoop].map { ($0.closeStatus, $0.forcedCloses) }
    }
    for (closeStatus, forcedCloses) in statuses {
        #expect(closeStatus == 0, sourceLocation: sourceLocation)
        #expect(forcedCloses == 0, sourceLocation: sourceLocation)
    }
    if let failure { throw failure }
}

/// Runs `body` and returns the `UpstreamAPIError` it threw; records an issue when it did not.
func upstreamError<T>(
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws(UpstreamAPIError) -> T
) async -> UpstreamAPIError? {
    do {
        _ = try await body()
        Issue.record("expected an UpstreamAPIError", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

/// Tests that use sockets share one serialized suite: they measure milliseconds on 2 cores.
@Suite(.serialized) struct ResponsesSocketTests {}
