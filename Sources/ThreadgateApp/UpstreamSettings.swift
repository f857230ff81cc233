public import Gateway
public import ResponsesV1
public import UpstreamAPI
import EventLoop

/// The upstream part of the configuration, and which assistants clients may use.
///
/// | environment | default | meaning |
/// | --- | --- | --- |
/// | `UPSTREAM_BASE_URL` | unset: upstream routes answer 503 | the API root, such as `https://api.openai.com/v1` |
/// | `UPSTREAM_API_KEY` | unset | sent as `Authorization: Bearer`; never logged |
/// | `UPSTREAM_DIALECT` | `assistants` | `assistants` or `responses`: where new threads go |
/// | `UPSTREAM_ORGANIZATION`, `UPSTREAM_PROJECT` | unset | `OpenAI-Organization` / `OpenAI-Project` |
/// | `UPSTREAM_TIMEOUT_MS` | `60000` | total time of one upstream call, retries included per attempt |
/// | `UPSTREAM_MAX_CONNECTIONS` | `512` | connections each worker opens to the upstream host at most; further calls queue. A streamed ask holds one for its whole run |
/// | `ASSISTANT_ID` | unset | the assistant runs use when the client names none |
/// | `ASSISTANT_ALLOWLIST` | empty | comma-separated further assistants clients may name |
/// | `RESPONSES_PROFILES_FILE` | unset | JSON `{"asst_id": {"model", "instructions"?, "tools"?}}`: what each assistant id means on a Responses upstream |
/// | `RESPONSES_MODEL` | `gpt-4o` | the model of assistant ids the profiles file does not name |
/// | `ASK_MODE` | `stream` | `stream` (one upstream request per ask; polling as fallback) or `poll` |
/// | `ASK_DEFAULT_WAIT_MS` | `30000` | an ask's wait when it gives no `wait_ms` |
/// | `ASK_MAX_WAIT_MS` | `120000` | the largest `wait_ms` honoured |
/// | `ASK_HEARTBEAT_MS` | `15000` | comment lines on idle event streams |
/// | `ASK_MAX_STREAMS` | ¾ of `UPSTREAM_MAX_CONNECTIONS` × `WORKERS`, at most (descriptor limit − 1024) / 3 | asks following their run over an upstream stream at once; further asks poll |
/// | `ASK_MAX_POLLS` | `256` | upstream polls of waiting asks in flight at once; a poll past it waits in line for a slot |
/// | `IDEMPOTENCY_TTL_SECONDS` | `86400` | how long an `Idempotency-Key` is remembered |
public struct UpstreamSettings: Sendable {
    public var baseURL: String?
    public var apiKey: String?
    public var dialect: DialectKind = .assistants
    public var organization: String?
    public var project: String?
    public var timeout: Duration = .seconds(60)
    /// Most connections each worker's client opens to the upstream host (`UPSTREAM_MAX_CONNECTIONS`).
    public var maxConnectionsPerHost = 512
    public var defaultAssistantID: String?
    public var allowedAssistantIDs: [String] = []
    public var ask = AskSettings()
    /// `ASK_MAX_STREAMS`; nil: ``defaultMaxStreams(workers:descriptorLimit:)``.
    public var maxStreams: Int?
    public var idempotencyLifetime: Duration = .seconds(86_400)
    /// The Responses dialect's assistant profiles (from `RESPONSES_PROFILES_FILE`).
    public var responsesProfiles: [ResponsesProfile] = []
    /// `RESPONSES_MODEL`: the model of assistant ids without a profile.
    public var responsesModel = "gpt-4o"

    public init() {}

    public static func resolve(environment: [String: String]) throws(ConfigurationError) -> UpstreamSettings {
        var settings = UpstreamSettings()
        if let url = nonEmpty(environment["UPSTREAM_BASE_URL"]) {
            guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw ConfigurationError(setting: "UPSTREAM_BASE_URL", "must start with http:// or https://")
            }
            settings.baseURL = url
        }
        settings.apiKey = nonEmpty(environment["UPSTREAM_API_KEY"])
        if let dialect = nonEmpty(environment["UPSTREAM_DIALECT"]) {
            guard let kind = DialectKind(rawValue: dialect) else {
                throw ConfigurationError(setting: "UPSTREAM_DIALECT", "'\(dialect)' is not 'assistants' or 'responses'")
            }
            settings.dialect = kind
        }
        settings.organization = nonEmpty(environment["UPSTREAM_ORGANIZATION"])
        settings.project = nonEmpty(environment["UPSTREAM_PROJECT"])
        if let timeout = nonEmpty(environment["UPSTREAM_TIMEOUT_MS"]) {
            settings.timeout = .milliseconds(
                try ServeConfiguration.integer(timeout, setting: "UPSTREAM_TIMEOUT_MS", range: 100...3_600_000))
        }
        if let connections = nonEmpty(environment["UPSTREAM_MAX_CONNECTIONS"]) {
            settings.maxConnectionsPerHost = try ServeConfiguration.integer(
                connections, setting: "UPSTREAM_MAX_CONNECTIONS", range: 1...100_000)
        }
        settings.defaultAssistantID = nonEmpty(environment["ASSISTANT_ID"])
        if let list = nonEmpty(environment["ASSISTANT_ALLOWLIST"]) {
            settings.allowedAssistantIDs = list.split(separator: ",").map { String(String($0).trimmingCharacters(in: " ")) }.filter { !$0.isEmpty }
        }
        if let mode = nonEmpty(environment["ASK_MODE"]) {
            guard let value = AskSettings.Mode(rawValue: mode) else {
                throw ConfigurationError(setting: "ASK_MODE", "'\(mode)' is not 'stream' or 'poll'")
            }
            settings.ask.mode = value
        }
        if let wait = nonEmpty(environment["ASK_MAX_WAIT_MS"]) {
            settings.ask.maximumWait = .milliseconds(try ServeConfiguration.integer(wait, setting: "ASK_MAX_WAIT_MS", range: 0...3_600_000))
        }
        if let wait = nonEmpty(environment["ASK_DEFAULT_WAIT_MS"]) {
            settings.ask.defaultWait = .milliseconds(try ServeConfiguration.integer(wait, setting: "ASK_DEFAULT_WAIT_MS", range: 0...3_600_000))
        }
        settings.ask.defaultWait = min(settings.ask.defaultWait, settings.ask.maximumWait)
        if let path = nonEmpty(environment["RESPONSES_PROFILES_FILE"]) {
            do {
                settings.responsesProfiles = try ResponsesProfile.load(path: path)
            } catch {
                throw ConfigurationError(setting: "RESPONSES_PROFILES_FILE", "\(error)")
            }
        }
        if let model = nonEmpty(environment["RESPONSES_MODEL"]) { settings.responsesModel = model }
        if let heartbeat = nonEmpty(environment["ASK_HEARTBEAT_MS"]) {
            settings.ask.heartbeat = .milliseconds(
                try ServeConfiguration.integer(heartbeat, setting: "ASK_HEARTBEAT_MS", range: 10...600_000))
        }
        if let streams = nonEmpty(environment["ASK_MAX_STREAMS"]) {
            settings.maxStreams = try ServeConfiguration.integer(streams, setting: "ASK_MAX_STREAMS", range: 0...1_000_000)
        }
        if let polls = nonEmpty(environment["ASK_MAX_POLLS"]) {
            settings.ask.maxPolls = try ServeConfiguration.integer(polls, setting: "ASK_MAX_POLLS", range: 1...1_000_000)
        }
        if let ttl = nonEmpty(environment["IDEMPOTENCY_TTL_SECONDS"]) {
            settings.idempotencyLifetime = .seconds(
                try ServeConfiguration.integer(ttl, setting: "IDEMPOTENCY_TTL_SECONDS", range: 1...(90 * 86_400)))
        }
        return settings
    }

    /// Streams asks may hold when `ASK_MAX_STREAMS` is unset: three quarters of the upstream
    /// connections (the rest serve every other call), and no more than a third of the
    /// descriptors left after 1024 (a streamed ask holds two: its client's and the upstream's).
    public func defaultMaxStreams(workers: Int, descriptorLimit: UInt64?) -> Int {
        let byConnections = maxConnectionsPerHost * max(1, workers) * 3 / 4
        guard let descriptorLimit else { return byConnections }
        let byDescriptors = max(64, (Int(clamping: descriptorLimit) - 1024) / 3)
        return min(byConnections, byDescriptors)
    }

    /// The gateway's view of these settings, for a process of `workers` loops.
    public func gatewayConfiguration(workers: Int) -> GatewayConfiguration {
        var configuration = gatewayConfiguration
        configuration.ask.maxStreams =
            maxStreams ?? defaultMaxStreams(workers: workers, descriptorLimit: DescriptorLimit.current?.hard)
        return configuration
    }

    /// The gateway's view of these settings (``AskSettings/maxStreams`` left at its default).
    public var gatewayConfiguration: GatewayConfiguration {
        var configuration = GatewayConfiguration(
            defaultAssistantID: defaultAssistantID, allowedAssistantIDs: allowedAssistantIDs, defaultDialect: dialect)
        configuration.ask = ask
        configuration.idempotencyLifetime = idempotencyLifetime
        return configuration
    }

    private static func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }
}

extension UpstreamSettings {
    /// The profiles file's, plus a bare one (`responsesModel`) for each selectable assistant
    /// id the file does not name, so every id a client may use means something upstream.
    var effectiveResponsesProfiles: [ResponsesProfile] {
        var profiles = responsesProfiles
        for id in gatewayConfiguration.selectableAssistantIDs where !profiles.contains(where: { $0.assistantID == id }) {
            profiles.append(ResponsesProfile(assistantID: id, model: responsesModel))
        }
        return profiles
    }
}
