public import Logging
public import Simulator
import EventLoop
import HTTP1
import JSON
#if canImport(Glibc)
import Glibc
#endif

/// Settings of `threadgate simulate`, from flags first, then environment, then defaults.
public struct SimulateConfiguration: Sendable {
    public var simulator: SimulatorConfiguration
    public var workers = 1
    public var logLevel: Logger.Level = .info
    public var shutdownGrace: Duration = .seconds(5)
    /// Where the extra assistants came from, for the start-up log.
    public var assistantsFile: String?

    /// Raw values as given on the command line; nil when the flag was not given.
    public struct Flags: Sendable {
        public var host: String?
        public var port: String?
        public var apiKey: String?
        public var workers: String?
        public var runQueuedMs: String?
        public var runDurationMs: String?
        public var pollAfterMs: String?
        public var assistantsFile: String?
        public var faultLatencyMs: String?
        public var faultErrorRate: String?
        public var fault429Rate: String?
        public var faultRetryAfter: String?
        public var faultDropRate: String?
        public var faultStreamDropRate: String?
        public var faultStreamCutAfter: String?
        public var faultStallMs: String?
        public var faultStallRate: String?
        public var seed: String?
        public var allowMissingBetaHeader = false
        public var shutdownGraceSeconds: String?
        public init() {}
    }

    /// Resolves flags and environment into a checked configuration.
    ///
    /// - Parameters:
    ///   - flags: values from the command line, which win over the environment.
    ///   - environment: `UPSTREAM_API_KEY` (the key clients must send, when `--api-key` is
    ///     absent) and `LOG_LEVEL`. `PORT` and `HOST` are the gateway's and are not read.
    /// - Throws: when no API key is given either way: the simulator refuses to start rather
    ///   than accept any key or invent one nobody knows.
    public static func resolve(flags: Flags, environment: [String: String]) throws(ConfigurationError) -> SimulateConfiguration {
        guard let apiKey = flags.apiKey ?? environment["UPSTREAM_API_KEY"], !apiKey.isEmpty else {
            throw ConfigurationError(
                setting: "api key",
                "threadgate simulate needs the key clients must send: pass --api-key KEY or set UPSTREAM_API_KEY")
        }
        guard !apiKey.contains(where: { $0 == " " || $0 == "\r" || $0 == "\n" }) else {
            throw ConfigurationError(setting: "api key", "must not contain spaces or line breaks")
        }
        var simulator = SimulatorConfiguration(apiKey: apiKey)
        if let host = flags.host {
            guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "/" }) else {
                throw ConfigurationError(setting: "host", "'\(host)' is not a host name or IP address")
            }
            simulator.host = host
        }
        if let port = flags.port { simulator.port = try ServeConfiguration.integer(port, setting: "port", range: 0...65535) }
        var config = SimulateConfiguration(simulator: simulator)
        if let workers = flags.workers {
            config.workers = try ServeConfiguration.integer(workers, setting: "workers", range: 1...64)
        }
        if let level = environment["LOG_LEVEL"] { config.logLevel = try ServeConfiguration.logLevel(level) }
        if let grace = flags.shutdownGraceSeconds {
            config.shutdownGrace = .seconds(try ServeConfiguration.integer(grace, setting: "shutdown grace seconds", range: 0...3600))
        }

        var timing = RunTiming()
        let queued = try flags.runQueuedMs.map { text throws(ConfigurationError) in
            try ServeConfiguration.integer(text, setting: "run queued ms", range: 0...600_000)
        }
        let duration = try flags.runDurationMs.map { text throws(ConfigurationError) in
            try ServeConfiguration.integer(text, setting: "run duration ms", range: 0...600_000)
        }
        timing = RunTiming(
            queuedMillis: Int64(queued ?? Int(timing.queuedMillis)), workMillis: Int64(duration ?? Int(timing.workMillis)))
        config.simulator.timing = timing
        if let poll = flags.pollAfterMs {
            config.simulator.pollAfterMillis = try ServeConfiguration.integer(poll, setting: "poll after ms", range: 1...60_000)
        }

        var faults = FaultSettings()
        if let text = flags.faultLatencyMs {
            faults.latencyMillis = try ServeConfiguration.integer(text, setting: "fault latency ms", range: 0...600_000)
        }
        if let text = flags.faultErrorRate { faults.errorRate = try rate(text, setting: "fault error rate") }
        if let text = flags.fault429Rate { faults.rateLimitRate = try rate(text, setting: "fault 429 rate") }
        if let text = flags.faultRetryAfter {
            faults.retryAfterSeconds = try ServeConfiguration.integer(text, setting: "fault retry after", range: 0...3600)
        }
        if let text = flags.faultDropRate { faults.dropRate = try rate(text, setting: "fault drop rate") }
        if let text = flags.faultStreamDropRate { faults.streamDropRate = try rate(text, setting: "fault stream drop rate") }
        if let text = flags.faultStreamCutAfter {
            faults.streamCutAfterEvents = try ServeConfiguration.integer(text, setting: "fault stream cut after", range: 0...1_000_000)
        }
        if let text = flags.faultStallMs {
            faults.stallMillis = try ServeConfiguration.integer(text, setting: "fault stall ms", range: 0...600_000)
        }
        if let text = flags.faultStallRate { faults.stallRate = try rate(text, setting: "fault stall rate") }
        config.simulator.faults = faults
        if let text = flags.seed {
            guard let seed = UInt64(text.trimmingCharacters(in: " ")) else {
                throw ConfigurationError(setting: "seed", "'\(text)' is not a whole number from 0 to \(UInt64.max)")
            }
            config.simulator.seed = seed
        }
        config.simulator.requireBetaHeader = !flags.allowMissingBetaHeader
        if let path = flags.assistantsFile {
            config.simulator.assistants = try loadAssistants(path: path)
            config.assistantsFile = path
        }
        return config
    }

    static func rate(_ text: String, setting: String) throws(ConfigurationError) -> Double {
        guard let value = Double(text.trimmingCharacters(in: " ")), value >= 0, value <= 1 else {
            throw ConfigurationError(setting: setting, "'\(text)' is not a number from 0 to 1")
        }
        return value
    }

    /// Reads `--assistants-file`: a JSON array of assistant objects (create-assistant fields,
    /// each with an optional `id`).
    static func loadAssistants(path: String) throws(ConfigurationError) -> [JSONObject] {
        let bytes: [UInt8]
        do { bytes = try FileBytes.read(path) } catch { throw ConfigurationError(setting: "assistants file", "\(path): \(error)") }
        let value: JSONValue
        do { value = try JSONValue(parsing: bytes) } catch {
            throw ConfigurationError(setting: "assistants file", "\(path) is not valid JSON: \(error)")
        }
        guard let items = value.arrayValue else {
            throw ConfigurationError(setting: "assistants file", "\(path) must hold a JSON array of assistant objects")
        }
        var assistants: [JSONObject] = []
        for (index, item) in items.enumerated() {
            guard let object = item.objectValue else {
                throw ConfigurationError(setting: "assistants file", "\(path): item \(index) is not an object")
            }
            assistants.append(object)
        }
        return assistants
    }
}

/// Reads a whole file with POSIX calls (start-up only; never on a loop).
enum FileBytes {
    struct ReadError: Error, CustomStringConvertible {
        let description: String
    }

    static func read(_ path: String) throws(ReadError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ReadError(description: String(cString: strerror(errno))) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ReadError(description: String(cString: strerror(errno)))
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[..<count])
            if bytes.count > 16 * 1024 * 1024 { throw ReadError(description: "larger than 16 MiB") }
        }
    }
}

/// Runs `threadgate simulate`: the Assistants v2 + Responses/Conversations simulator on its own loops until SIGTERM or
/// SIGINT, with JSON access logs like `serve`.
public enum SimulateRuntime {
    /// Serves until SIGTERM or SIGINT, then lets in-flight requests and streams finish within
    /// the grace period and returns.
    public static func run(_ config: SimulateConfiguration, logger: Logger) async throws {
        EventLoop.ignoreBrokenPipeSignals()
        DescriptorLimit.raiseSoftToHard()
        let loops = try (0..<config.workers).map { index throws(EventLoopError) in
            try EventLoop.start(name: "tg-sim-\(index)")
        }
        let simulator: SimulatorServer
        do {
            simulator = try await SimulatorServer.start(
                config.simulator, loops: loops, accessLog: { record in AccessLog.log(record, to: logger) })
        } catch {
            EventLoop.shutdownAndJoin(loops)
            throw error
        }
        let settings = config.simulator
        var metadata: Logger.Metadata = [
            "host": "\(settings.host)", "port": .stringConvertible(simulator.port),
            "base_url": "http://\(settings.host):\(simulator.port)/v1", "workers": .stringConvertible(config.workers),
            "seed": "\(simulator.seed)", "run_queued_ms": .stringConvertible(settings.timing.queuedMillis),
            "run_duration_ms": .stringConvertible(settings.timing.workMillis),
            "assistants": .array(["asst_default", "asst_tools"] + settings.assistants.compactMap { $0["id"]?.stringValue }.map { .string($0) }),
            "version": "\(ThreadgateVersion.current)",
        ]
        if let file = config.assistantsFile { metadata["assistants_file"] = "\(file)" }
        if !settings.faults.isQuiet {
            let faults = settings.faults
            metadata["faults"] = [
                "latency_ms": .stringConvertible(faults.latencyMillis), "error_rate": .stringConvertible(faults.errorRate),
                "rate_429": .stringConvertible(faults.rateLimitRate), "drop_rate": .stringConvertible(faults.dropRate),
                "stall_ms": .stringConvertible(faults.stallMillis), "stall_rate": .stringConvertible(faults.stallRate),
            ]
        }
        logger.info("simulator listening", metadata: metadata)
        let signal = try await ServeRuntime.waitForTerminationSignal(on: loops[0])
        logger.info(
            "shutting down",
            metadata: [
                "signal": "\(signal == SIGTERM ? "SIGTERM" : "SIGINT")",
                "grace_seconds": .stringConvertible(config.shutdownGrace.components.seconds),
            ])
        await simulator.shutdown(gracePeriod: config.shutdownGrace)
        EventLoop.shutdownAndJoin(loops)
        logger.info("stopped")
    }
}
