import EventLoop
import HTTP1
import JSON
import Simulator
import Testing
import TestSupport

/// A running simulator on loopback and a way to call it.
struct SimHarness: Sendable {
    static let apiKey = "sk-test-0123456789abcdef"
    let server: SimulatorServer
    var port: Int { server.port }

    /// Calls the simulator with the API key and the beta header unless told otherwise.
    func call(
        _ method: String, _ target: String, _ body: JSONValue? = nil, headers: [(String, String)] = [],
        key: String? = SimHarness.apiKey, beta: Bool = true, timeout: Duration = .seconds(10)
    ) async throws -> SimResponse {
        var all = headers
        if let key { all.append(("Authorization", "Bearer \(key)")) }
        if beta { all.append(("OpenAI-Beta", "assistants=v2")) }
        let port = port
        let bytes = body.map { $0.serialized() }
        let sent = all
        return try await onThread {
            try SimClient.send(port: port, method: method, target: target, body: bytes, headers: sent, timeout: timeout)
        }
    }

    /// Calls and expects `status`, returning the JSON body.
    @discardableResult
    func json(
        _ method: String, _ target: String, _ body: JSONValue? = nil, expect status: Int = 200,
        headers: [(String, String)] = [], sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> JSONValue {
        let response = try await call(method, target, body, headers: headers)
        #expect(response.status == status, "\(method) \(target): \(response)", sourceLocation: sourceLocation)
        return response.json
    }

    /// A new thread with one user message.
    func thread(saying text: String) async throws -> String {
        try await json("POST", "/v1/threads", ["messages": [["role": "user", "content": .string(text)]]])["id"]!.stringValue!
    }

    /// Polls the run until it is terminal or requires action.
    func waitForRun(_ threadID: String, _ runID: String, timeout: Int64 = 5000) async throws -> JSONValue {
        let deadline = monotonicMillis() + timeout
        while true {
            let run = try await json("GET", "/v1/threads/\(threadID)/runs/\(runID)")
            let status = run["status"]?.stringValue ?? ""
            if !["queued", "in_progress", "cancelling"].contains(status) || monotonicMillis() > deadline { return run }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    func stats() async throws -> JSONValue { try await json("GET", "/v1/_simulator/stats") }
}

/// Fast run timing for socket tests.
let fastTiming = RunTiming(queuedMillis: 10, workMillis: 40, cancelMillis: 10)

/// Starts a simulator on port 0 over `loopCount` fresh loops, runs `body`, then shuts down and
/// checks every connection and handle was closed.
func withSimulator(
    loops loopCount: Int = 1, timing: RunTiming = fastTiming, faults: FaultSettings = FaultSettings(),
    assistants: [JSONObject] = [], requireBetaHeader: Bool = true, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: (SimHarness) async throws -> Void
) async throws {
    let loops = try (0..<loopCount).map { try EventLoop.start(name: "sim-test-\($0)") }
    var configuration = SimulatorConfiguration(apiKey: SimHarness.apiKey)
    configuration.port = 0
    configuration.timing = timing
    configuration.faults = faults
    configuration.pollAfterMillis = 25
    configuration.seed = 1234
    configuration.assistants = assistants
    configuration.requireBetaHeader = requireBetaHeader
    let server: SimulatorServer
    do {
        server = try await SimulatorServer.start(configuration, loops: loops)
    } catch {
        try await onThread { EventLoop.shutdownAndJoin(loops) }
        throw error
    }
    var failure: (any Error)?
    do {
        try await body(SimHarness(server: server))
    } catch {
        failure = error
    }
    await server.shutdown(gracePeriod: .seconds(2))
    #expect(await server.connectionCount() == 0, sourceLocation: sourceLocation)
    try await onThread { EventLoop.shutdownAndJoin(loops) }
    for loop in loops {
        #expect(loop.closeStatus == 0, sourceLocation: sourceLocation)
    }
    if let failure { throw failure }
}

/// Socket tests share one serialized suite: they measure milliseconds on two cores.
@Suite(.serialized) struct SimulatorSocketTests {}
