public import UpstreamAPI

/// What the gateway's routes need to know beyond their dependencies.
public struct GatewayConfiguration: Sendable {
    /// `ASSISTANT_ID`: the assistant a run uses when the client names none.
    public var defaultAssistantID: String?
    /// `ASSISTANT_ALLOWLIST`: further assistants a client may name (the default is always allowed).
    public var allowedAssistantIDs: [String]
    /// `UPSTREAM_DIALECT`: where new threads are created.
    public var defaultDialect: DialectKind
    /// How long `GET /v1/assistants` keeps an assistant's upstream details.
    public var assistantCacheLifetime: Duration
    /// How often a process writes a user's `last_seen_at` at most.
    public var lastSeenInterval: Duration
    /// Ask-and-wait settings.
    public var ask = AskSettings()
    /// How long an `Idempotency-Key` is remembered (`IDEMPOTENCY_TTL_SECONDS`).
    public var idempotencyLifetime: Duration = .seconds(86_400)

    public init(
        defaultAssistantID: String? = nil, allowedAssistantIDs: [String] = [], defaultDialect: DialectKind = .assistants,
        assistantCacheLifetime: Duration = .seconds(60), lastSeenInterval: Duration = .seconds(60)
    ) {
        self.defaultAssistantID = defaultAssistantID
        self.allowedAssistantIDs = allowedAssistantIDs
        self.defaultDialect = defaultDialect
        self.assistantCacheLifetime = assistantCacheLifetime
        self.lastSeenInterval = lastSeenInterval
    }

    /// The assistants a client may name, the default first, without repeats.
    public var selectableAssistantIDs: [String] {
        var ids: [String] = []
        for id in [defaultAssistantID].compactMap({ $0 }) + allowedAssistantIDs where !ids.contains(id) {
            ids.append(id)
        }
        return ids
    }
}

/// How asks wait.
public struct AskSettings: Sendable, Equatable {
    /// How runs are followed: one streamed request, or polling.
    public enum Mode: String, Sendable, Equatable {
        case stream, poll
    }

    /// `ASK_MODE`: `stream` (default; polling is the fallback) or `poll`.
    public var mode: Mode = .stream
    /// `wait_ms` when the client gives none (`ASK_DEFAULT_WAIT_MS`).
    public var defaultWait: Duration = .seconds(30)
    /// The largest `wait_ms` honoured (`ASK_MAX_WAIT_MS`).
    public var maximumWait: Duration = .seconds(120)
    /// How long a thread stays held by an ask that has not yet started its run (a crashed
    /// instance's claim expires after this).
    public var claimLease: Duration = .seconds(60)
    /// How long a started run holds its thread before anyone may take it without checking
    /// (upstream runs expire after 10 minutes).
    public var runLease: Duration = .seconds(900)
    /// Comment lines sent on idle event streams.
    public var heartbeat: Duration = .seconds(15)
    /// First and largest pause between polls when the upstream gives no `openai-poll-after-ms`.
    public var pollInitial: Duration = .milliseconds(200)
    public var pollMaximum: Duration = .seconds(2)
    /// Asks that may follow their run over an upstream stream at once, per process
    /// (`ASK_MAX_STREAMS`); the rest poll. Each stream holds an upstream connection.
    public var maxStreams = 4096
    /// Upstream polls of waiting asks in flight at once, per process (`ASK_MAX_POLLS`); a poll
    /// past it waits in line for a slot.
    public var maxPolls = 256

    public init() {}
}
