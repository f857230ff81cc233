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
