import Auth
#if canImport(Glibc)
import Glibc
#endif
import DatabaseTestSupport
import EventLoop
import JSON
import Logging
import Simulator
import UpstreamAPI
import Testing
import TestSupport
@testable import ThreadgateApp

/// The whole system in-process, over real sockets: a fresh PostgreSQL database, the
/// simulator as the upstream, and the gateway in front, with tokens for any user.
struct GatewayStack: Sendable {
    static let upstreamKey = "sk-stack-upstream-key"
    static let secret = "stack-test-secret-0123456789abcdefghijklmnop"

    let port: Int
    let server: GatewayServer
    let config: ServeConfiguration
    let simulator: SimulatorServer
    let database: TestDatabase
    let auth: AuthConfiguration

    /// An HS256 token for `user`, signed with the gateway's secret.
    func token(_ user: String, admin: Bool = false, ttl: Duration = .seconds(600)) throws -> String {
        try TokenMinter.mintHS256(subject: user, admin: admin, ttl: ttl, configuration: auth)
    }

    /// A call with `Authorization: Bearer <token>` (none when nil) and a JSON body.
    func call(_ method: String, _ path: String, token: String?, json: JSONValue? = nil, headers: [(String, String)] = []) async throws -> TestResponse {
        var headers = headers
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        var body: [UInt8] = []
        if let json {
            headers.append(("Content-Type", "application/json"))
            body = json.serialized()
        }
        return try await send(method, path, port: port, headers: headers, body: body)
    }

    /// The call's JSON body, after checking its status.
    func object(
        _ method: String, _ path: String, token: String?, json: JSONValue? = nil, status: Int = 200,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> JSONValue {
        let response = try await call(method, path, token: token, json: json)
        #expect(response.status == status, "\(method) \(path): \(response.text)", sourceLocation: sourceLocation)
        return try response.json()
    }
}

/// Starts database, simulator and gateway, runs `body`, and stops them all, checking every
/// loop closed cleanly.
func withGatewayStack(
    environment extra: [String: String] = [:], timing: RunTiming = RunTiming(queuedMillis: 10, workMillis: 40, cancelMillis: 10),
    faults: FaultSettings = FaultSettings(), dialect: DialectKind = .assistants,
    readiness: Readiness.Settings = Readiness.Settings(timeout: .seconds(2), migrationsCacheTTL: .milliseconds(100)),
    logger: Logger = .silent, databaseURL: ((TestDatabase) -> String)? = nil,
    _ body: (GatewayStack) async throws -> Void
) async throws {
    try await withTestDatabase { database in
        let loop = try EventLoop.start(name: "stack-sim")
        var simulatorConfiguration = SimulatorConfiguration(apiKey: GatewayStack.upstreamKey)
        simulatorConfiguration.port = 0
        simulatorConfiguration.timing = timing
        simulatorConfiguration.pollAfterMillis = 25
        simulatorConfiguration.seed = 99
        simulatorConfiguration.faults = faults
        let simulator: SimulatorServer
        do {
            simulator = try await SimulatorServer.start(simulatorConfiguration, loops: [loop])
        } catch {
            try await onThread { EventLoop.shutdownAndJoin([loop]) }
            throw error
        }
        var failure: (any Error)?
        do {
            var environment = [
                "UPSTREAM_BASE_URL": "http://127.0.0.1:\(simulator.port)/v1", "UPSTREAM_API_KEY": GatewayStack.upstreamKey,
                "ASSISTANT_ID": "asst_default", "ASSISTANT_ALLOWLIST": "asst_tools", "AUTH_JWT_SECRET": GatewayStack.secret,
            ]
            if dialect == .responses {
                environment["UPSTREAM_DIALECT"] = "responses"
                environment["RESPONSES_PROFILES_FILE"] = try responsesProfilesFile()
            }
            for (name, value) in extra {  // an empty value removes the default
                environment[name] = value.isEmpty ? nil : value
            }
            let config = try testConfiguration(databaseURL: databaseURL?(database) ?? database.url, environment: environment)
            guard let auth = config.auth else { throw ClientError(description: "no auth configuration") }
            try await withGatewayServer(config, readiness: readiness, logger: logger) { server in
                try await body(
                    GatewayStack(port: server.port, server: server, config: config, simulator: simulator, database: database, auth: auth))
            }
        } catch {
            failure = error
        }
        await simulator.shutdown(gracePeriod: .seconds(1))
        try await onThread { EventLoop.shutdownAndJoin([loop]) }
        #expect(loop.closeStatus == 0)
        if let failure { throw failure }
    }
}

/// Tokens for gateways started without the full stack.
enum TokenMinterShortcut {
    static func token(secret: String, user: String, admin: Bool = false) throws -> String {
        try TokenMinter.mintHS256(
            subject: user, admin: admin, ttl: .seconds(600), configuration: AuthConfiguration(hmacSecret: secret))
    }
}

/// The simulator's two assistants as Responses profiles, in a file written once per process.
func responsesProfilesFile() throws -> String { try profilesFileOnce.get() }

/// Written once per test process: suites run in parallel, and rewriting the file while
/// another gateway read it once handed that gateway an empty file.
private let profilesFileOnce = Result<String, any Error> { try writeProfilesFile() }

private func writeProfilesFile() throws -> String {
    let path = "/tmp/threadgate-test-profiles-\(getpid()).json"
    let function: (String) -> JSONValue = { name in
        ["type": "function", "name": .string(name), "parameters": ["type": "object", "properties": [:]]]
    }
    let profiles: JSONValue = [
        "asst_default": ["model": "gpt-4o", "instructions": "Echo the last user message."],
        "asst_tools": ["model": "gpt-4o", "instructions": "Use the tools.", "tools": [function("get_weather"), function("get_time")]],
    ]
    let bytes = profiles.serialized()
    guard let file = fopen(path, "w") else { throw ClientError(description: "cannot write \(path)") }
    defer { fclose(file) }
    _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
    return path
}
