import AssistantsV2
import EventLoop
import HTTP1
import JSON
import Simulator
import Testing
import TestSupport
@testable import UpstreamHTTP

/// A simulator on loopback (its own loop) and an `AssistantsClient` on another loop.
struct Harness: Sendable {
    static let apiKey = "sk-test-0123456789abcdef"
    let server: SimulatorServer
    let http: UpstreamHTTPClient
    let client: AssistantsClient
    /// The simulator's access log so far.
    let accessLog: LockedValue<[HTTPAccessRecord]>

    var port: Int { server.port }
    var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    /// Another client on the same HTTP client, with a different configuration.
    func client(_ change: (inout AssistantsConfiguration) -> Void) -> AssistantsClient {
        var configuration = client.configuration
        change(&configuration)
        return AssistantsClient(http: http, configuration: configuration)
    }

    /// The simulator's counters (`GET /v1/_simulator/stats`).
    func stats() async throws -> JSONValue { try await client.send(.get, "/_simulator/stats").value }

    /// How many faults of `kind` (`status_503`, `drop`, …) the simulator injected: one per
    /// request that reached it with an `X-Simulator-Fault` header.
    func faults(_ kind: String) async throws -> Int {
        try await stats()["requests"]?["faults_injected"]?[kind]?.intValue ?? 0
    }

    /// Forgets the simulator's request counters.
    func resetStats() async throws { _ = try await client.send(.delete, "/_simulator/stats") }

    /// How many requests the simulator answered on `route` (a template) with `status`.
    func requests(_ route: String, status: Int) async throws -> Int {
        try await stats()["requests"]?["by_route"]?[route]?[String(status)]?.intValue ?? 0
    }

    /// A new thread holding one user message.
    func thread(saying text: String, metadata: Metadata? = nil) async throws -> String {
        try await client.createThread(CreateThreadRequest(messages: [.user(text)], metadata: metadata)).value.id
    }

    /// Transfers the HTTP client has in flight.
    func transfersInFlight() async -> Int { await http.statistics().transfers }

    /// Polls the run (honouring `openai-poll-after-ms`) until it is terminal or requires action.
    func waitForRun(_ threadID: String, _ runID: String, timeout: Int64 = 5000) async throws -> Run {
        let deadline = monotonicMillis() + timeout
        while true {
            let response = try await client.retrieveRun(threadID: threadID, runID: runID)
            let run = response.value
            if run.status.isTerminal || run.status == .requiresAction || monotonicMillis() > deadline { return run }
            try await Task.sleep(for: response.pollAfter ?? .milliseconds(10))
        }
    }
}

/// Fast run timing for socket tests.
let fastTiming = RunTiming(queuedMillis: 10, workMillis: 40, cancelMillis: 10)

/// For tests that check the run carried by each stream event: every stretch outlasts the delay a
/// sanitizer build adds between two events, so each snapshot is still in the stretch it names.
let streamTiming = RunTiming(queuedMillis: 150, workMillis: 400, cancelMillis: 10)

/// Retries without jitter and with short pauses: 10 ms, then 20 ms.
func quickRetries(attempts: Int = 3) -> RetryPolicy {
    RetryPolicy(maxAttempts: attempts, baseDelay: .milliseconds(10), maxDelay: .milliseconds(100), jitter: 0, random: { 0 })
}

/// Starts a simulator on port 0 and a client, runs `body`, then shuts everything down and
/// checks that no transfer, connection or loop handle was left behind.
func withAssistants(
    timing: RunTiming = fastTiming, retryPolicy: RetryPolicy = quickRetries(),
    sourceLocation: SourceLocation = #_sourceLocation, _ body: (Harness) async throws -> Void
) async throws {
    let serverLoop = try EventLoop.start(name: "assistants-sim")
    let clientLoop = try EventLoop.start(name: "assistants-client")
    var configuration = SimulatorConfiguration(apiKey: Harness.apiKey)
    configuration.port = 0
    configuration.timing = timing
    configuration.pollAfterMillis = 25
    configuration.seed = 4321
    let accessLog = LockedValue([HTTPAccessRecord]())
    let server: SimulatorServer
    do {
        server = try await SimulatorServer.start(
            configuration, loops: [serverLoop], accessLog: { record in accessLog.withLock { $0.append(record) } })
    } catch {
        try await onThread { EventLoop.shutdownAndJoin([serverLoop, clientLoop]) }
        throw error
    }
    let http = UpstreamHTTPClient(loop: clientLoop, configuration: UpstreamHTTPConfiguration(retryPolicy: retryPolicy))
    let client = AssistantsClient(
        http: http,
        configuration: AssistantsConfiguration(baseURL: "http://127.0.0.1:\(server.port)/v1/", apiKey: Harness.apiKey))
    var failure: (any Error)?
    do {
        try await body(Harness(server: server, http: http, client: client, accessLog: accessLog))
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

/// Runs `body` and returns the `AssistantsError` it threw; records an issue when it did not.
func assistantsError<T>(
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws(AssistantsError) -> T
) async -> AssistantsError? {
    do {
        _ = try await body()
        Issue.record("expected an AssistantsError", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}

/// Tests that use sockets share one serialized suite: they measure milliseconds on 2 cores.
@Suite(.serialized) struct AssistantsSocketTests {}
