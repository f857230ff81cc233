public import Auth
public import HTTP1
public import Logging

/// Settings of `threadgate serve`, from flags first, then environment, then defaults.
public struct ServeConfiguration: Sendable {
    public var host = "0.0.0.0"
    public var port = 8080
    public var workers = 1
    public var logLevel: Logger.Level = .info
    public var maxBodyBytes = 1024 * 1024
    public var shutdownGrace: Duration = .seconds(10)
    public var timeouts = HTTPTimeouts()
    /// `DATABASE_URL`, the pool sizes and `MIGRATIONS_DIR` (see ``DatabaseSettings``).
    public var database = DatabaseSettings()
    /// The upstream, its dialect and the assistants clients may use (see ``UpstreamSettings``).
    public var upstream = UpstreamSettings()
    /// Token verification (`AUTH_*`); nil when no key source is configured, and then every
    /// `/v1` and `/admin` request is refused with a 401 saying so.
    public var auth: AuthConfiguration?
    /// `serve --migrate`: apply pending migrations before listening.
    public var migrateOnStart = false
    /// `THREADGATE_BENCH_ROUTES=1`: register the bench-only routes (see `BenchRoutes`).
    public var benchRoutes = false
    /// `METRICS_TOKEN`: when set, `GET /metrics` needs `Authorization: Bearer <token>`.
    public var metricsToken: String?
    /// `SHUTDOWN_DRAIN_DELAY_MS`: after SIGTERM, how long `/readyz` answers 503 `draining` while
    /// the server still accepts and serves, before it stops accepting and drains (default 0).
    public var shutdownDrainDelay: Duration = .zero
    /// `UPSTREAM_PROBE_INTERVAL_MS`: the pause between background upstream probes (default 10 s).
    public var upstreamProbeInterval: Duration = .seconds(10)
    /// `READYZ_REQUIRE_UPSTREAM=1`: an unreachable or unconfigured upstream makes `/readyz` 503.
    public var readinessRequiresUpstream = false
    /// `MALLOC_TRIM_INTERVAL_MS`: how often freed heap memory goes back to the system (default
    /// 5 s; 0: never). See `MemoryTrimmer`.
    public var mallocTrimInterval: Duration = .seconds(5)

    public init() {}

    /// Raw values as given on the command line; nil when the flag was not given.
    public struct Flags: Sendable {
        public var host: String?
        public var port: String?
        public var workers: String?
        public var maxBodyBytes: String?
        public var shutdownGraceSeconds: String?
        public init(
            host: String? = nil, port: String? = nil, workers: String? = nil, maxBodyBytes: String? = nil,
            shutdownGraceSeconds: String? = nil
        ) {
            self.host = host
            self.port = port
            self.workers = workers
            self.maxBodyBytes = maxBodyBytes
            self.shutdownGraceSeconds = shutdownGraceSeconds
        }
    }

    /// Resolves flags and environment into a checked configuration.
    ///
    /// - Parameters:
    ///   - flags: values from the command line, which win over the environment.
    ///   - environment: `HOST`, `PORT`, `WORKERS`, `LOG_LEVEL`, `MAX_BODY_BYTES`, `SHUTDOWN_GRACE_SECONDS`,
    ///     the database settings (`DATABASE_URL`, `DB_POOL_MIN`, `DB_POOL_MAX`, `DB_ACQUIRE_TIMEOUT_MS`,
    ///     `MIGRATIONS_DIR`), the upstream settings (``UpstreamSettings``), the token settings
    ///     (`AUTH_*`, see `AuthConfiguration`), `THREADGATE_BENCH_ROUTES` (`1` or `0`), and the
    ///     operations settings `METRICS_TOKEN`, `SHUTDOWN_DRAIN_DELAY_MS`, `UPSTREAM_PROBE_INTERVAL_MS`,
    ///     `MALLOC_TRIM_INTERVAL_MS` and `READYZ_REQUIRE_UPSTREAM` (`1` or `0`).
    ///   - cores: the default worker count.
    public static func resolve(
        flags: Flags, environment: [String: String], cores: Int
    ) throws(ConfigurationError) -> ServeConfiguration {
        var config = ServeConfiguration()
        config.workers = cores
        if let host = flags.host ?? environment["HOST"] {
            guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "/" }) else {
                throw ConfigurationError(setting: "host", "'\(host)' is not a host name or IP address")
            }
            config.host = host
        }
        if let port = flags.port ?? environment["PORT"] {
            config.port = try integer(port, setting: "port", range: 0...65535)
        }
        if let workers = flags.workers ?? environment["WORKERS"] {
            config.workers = try integer(workers, setting: "workers", range: 1...256)
        }
        if let level = environment["LOG_LEVEL"] {
            config.logLevel = try logLevel(level)
        }
        if let bytes = flags.maxBodyBytes ?? environment["MAX_BODY_BYTES"] {
            config.maxBodyBytes = try integer(bytes, setting: "max body bytes", range: 1...(64 * 1024 * 1024))
        }
        if let grace = flags.shutdownGraceSeconds ?? environment["SHUTDOWN_GRACE_SECONDS"] {
            config.shutdownGrace = .seconds(try integer(grace, setting: "shutdown grace seconds", range: 0...3600))
        }
        config.database = try DatabaseSettings.resolve(environment: environment)
        config.upstream = try UpstreamSettings.resolve(environment: environment)
        do {
            config.auth = try AuthConfiguration.fromEnvironment(environment)
        } catch {
            throw ConfigurationError(setting: "AUTH", error.message)
        }
        if let bench = environment["THREADGATE_BENCH_ROUTES"], !bench.isEmpty {
            guard bench == "1" || bench == "0" else {
                throw ConfigurationError(setting: "THREADGATE_BENCH_ROUTES", "'\(bench)' is not 1 or 0")
            }
            config.benchRoutes = bench == "1"
        }
        if let token = environment["METRICS_TOKEN"], !token.isEmpty {
            config.metricsToken = token
        }
        if let delay = environment["SHUTDOWN_DRAIN_DELAY_MS"], !delay.isEmpty {
            config.shutdownDrainDelay = .milliseconds(
                try integer(delay, setting: "SHUTDOWN_DRAIN_DELAY_MS", range: 0...600_000))
        }
        if let interval = environment["MALLOC_TRIM_INTERVAL_MS"], !interval.isEmpty {
            config.mallocTrimInterval = .milliseconds(
                try integer(interval, setting: "MALLOC_TRIM_INTERVAL_MS", range: 0...3_600_000))
        }
        if let interval = environment["UPSTREAM_PROBE_INTERVAL_MS"], !interval.isEmpty {
            config.upstreamProbeInterval = .milliseconds(
                try integer(interval, setting: "UPSTREAM_PROBE_INTERVAL_MS", range: 100...3_600_000))
        }
        if let require = environment["READYZ_REQUIRE_UPSTREAM"], !require.isEmpty {
            guard require == "1" || require == "0" else {
                throw ConfigurationError(setting: "READYZ_REQUIRE_UPSTREAM", "'\(require)' is not 1 or 0")
            }
            config.readinessRequiresUpstream = require == "1"
        }
        return config
    }

    static func integer(_ text: String, setting: String, range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard let value = Int(text.trimmingCharacters(in: " ")) else {
            throw ConfigurationError(setting: setting, "'\(text)' is not a whole number")
        }
        guard range.contains(value) else {
            throw ConfigurationError(setting: setting, "\(value) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    static func logLevel(_ text: String) throws(ConfigurationError) -> Logger.Level {
        let normalized = text.lowercased() == "warn" ? "warning" : text.lowercased()
        guard let level = Logger.Level(rawValue: normalized) else {
            let allowed = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigurationError(setting: "LOG_LEVEL", "'\(text)' is not one of \(allowed)")
        }
        return level
    }

    /// The HTTP server settings this configuration implies.
    public var limits: HTTPLimits { HTTPLimits(maxBodyBytes: maxBodyBytes) }
}

extension String {
    func trimmingCharacters(in set: Character) -> Substring {
        let start = firstIndex { $0 != set } ?? endIndex
        let end = lastIndex { $0 != set }.map { index(after: $0) } ?? start
        return self[start..<max(start, end)]
    }
}
