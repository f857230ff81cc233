/// The one error type of ``UpstreamDialect`` calls: what went wrong upstream, in terms the
/// gateway can map to its own answer without knowing the dialect.
public struct UpstreamAPIError: Error, Sendable, CustomStringConvertible {
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        init(_ name: String) { self.name = name }

        /// The upstream answered with an error status (`status`, `type`, `code`, `message`).
        public static let rejected = Kind("rejected")
        /// Connect, total or stalled-body timeout.
        public static let timeout = Kind("timeout")
        /// The upstream could not be reached or dropped the connection.
        public static let unreachable = Kind("unreachable")
        /// The upstream answered something the dialect could not read.
        public static let invalidResponse = Kind("invalid_response")
        /// The calling task was cancelled.
        public static let cancelled = Kind("cancelled")
        /// The dialect has no such operation.
        public static let unsupported = Kind("unsupported")

        public var description: String { name }
    }

    public var kind: Kind
    /// The upstream's HTTP status for `rejected`.
    public var status: Int?
    public var type: String?
    public var code: String?
    public var param: String?
    /// The upstream's message (`rejected`), or what failed. Not meant for clients as is:
    /// transport messages name hosts.
    public var message: String
    /// From `Retry-After` / `retry-after-ms` on a 429 or 503.
    public var retryAfter: Duration?
    /// The upstream's `x-request-id`, for logs.
    public var upstreamRequestID: String?
    /// The upstream refused because a run of the thread is still active.
    public var isRunActive: Bool
    /// For a run-active rejection: the run holding the thread, when the upstream named it.
    public var activeRunID: String?

    public init(
        kind: Kind, status: Int? = nil, type: String? = nil, code: String? = nil, param: String? = nil, message: String,
        retryAfter: Duration? = nil, upstreamRequestID: String? = nil, isRunActive: Bool = false,
        activeRunID: String? = nil
    ) {
        self.kind = kind
        self.status = status
        self.type = type
        self.code = code
        self.param = param
        self.message = message
        self.retryAfter = retryAfter
        self.upstreamRequestID = upstreamRequestID
        self.isRunActive = isRunActive || activeRunID != nil
        self.activeRunID = activeRunID
    }

    /// The upstream does not know the id (or no longer does).
    public var isNotFound: Bool { kind == .rejected && status == 404 }

    public var description: String {
        var text = "upstream \(kind)"
        if let status { text += " \(status)" }
        if let code { text += " [\(code)]" }
        return text + ": \(message)"
    }
}
