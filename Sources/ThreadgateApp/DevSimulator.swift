import EventLoop
import HTTP1
import Logging
import Simulator

/// The upstream simulator as a `threadgate dev` component: served in-process on its own loop
/// (loopback, port 8090 or `--simulator-port`), with the key from `UPSTREAM_API_KEY` or one
/// made once and kept in `.threadgate/upstream-api-key`. It points the gateway at itself:
/// `UPSTREAM_BASE_URL`, `UPSTREAM_API_KEY`, `ASSISTANT_ID=asst_default` and
/// `ASSISTANT_ALLOWLIST=asst_tools` unless the environment set those.
///
/// Not added at all when the environment names an upstream (`UPSTREAM_BASE_URL`).
final class DevSimulator: DevService {
    /// The default port, given up for a free one when taken (unless asked for explicitly).
    static let defaultPort = 8090
    static let defaultAssistant = "asst_default"
    static let toolAssistant = "asst_tools"

    private struct Running: Sendable {
        let server: SimulatorServer
        let loop: EventLoop
    }

    let keyFile: DevSecretFile
    /// `--simulator-port`; nil for 8090 or, when taken, a free one.
    let requestedPort: Int?
    private let logger: Logger
    private let running = LockedValue<Running?>(nil)

    init(directory: String, port: Int?, logger: Logger) {
        keyFile = DevSecretFile(path: directory + "/.threadgate/upstream-api-key")
        requestedPort = port
        self.logger = logger
    }

    func start(configuring configuration: inout ServeConfiguration, output: ConsoleOutput) async throws {
        let key: String
        let keySource: String
        if let given = configuration.upstream.apiKey {
            key = given
            keySource = "UPSTREAM_API_KEY from the environment"
        } else {
            let secret = try keyFile.loadOrCreate()
            key = secret.value
            keySource = "key \(secret.created ? "generated into" : "in") .threadgate/upstream-api-key"
        }
        let loop = try EventLoop.start(name: "tg-dev-sim")
        let server: SimulatorServer
        do {
            server = try await startServer(apiKey: key, on: loop, output: output)
        } catch {
            await BlockingThread.value { EventLoop.shutdownAndJoin([loop]) }
            throw error
        }
        running.withLock { $0 = Running(server: server, loop: loop) }

        let baseURL = "http://127.0.0.1:\(server.port)/v1"
        configuration.upstream.baseURL = baseURL
        configuration.upstream.apiKey = key
        if configuration.upstream.defaultAssistantID == nil {
            configuration.upstream.defaultAssistantID = Self.defaultAssistant
        }
        if configuration.upstream.allowedAssistantIDs.isEmpty {
            configuration.upstream.allowedAssistantIDs = [Self.toolAssistant]
        }
        output.line(
            "threadgate dev: upstream simulator on \(baseURL) (assistants \(Self.defaultAssistant): echo, "
                + "\(Self.toolAssistant): get_weather and get_time; \(keySource))")
    }

    private func startServer(apiKey: String, on loop: EventLoop, output: ConsoleOutput) async throws -> SimulatorServer {
        var settings = SimulatorConfiguration(apiKey: apiKey)
        settings.host = "127.0.0.1"
        settings.port = requestedPort ?? Self.defaultPort
        let logger = self.logger
        let accessLog: @Sendable (HTTPAccessRecord) -> Void = { record in AccessLog.log(record, to: logger) }
        do {
            return try await SimulatorServer.start(settings, loops: [loop], accessLog: accessLog)
        } catch let error where requestedPort == nil {
            output.line("threadgate dev: port \(Self.defaultPort) is taken (\(error)); the simulator takes a free port")
            settings.port = 0
            return try await SimulatorServer.start(settings, loops: [loop], accessLog: accessLog)
        }
    }

    func stop(output: ConsoleOutput) async {
        guard let running = running.withLock({ state -> Running? in
            defer { state = nil }
            return state
        }) else { return }
        await running.server.shutdown(gracePeriod: .seconds(2))
        let loop = running.loop
        await BlockingThread.value { EventLoop.shutdownAndJoin([loop]) }
        output.line("threadgate dev: simulator stopped")
    }
}
