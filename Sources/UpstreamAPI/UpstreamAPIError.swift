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

    private struct Fields {
        var kind: Kind
        var status: Int?
        var type: String?
        var code: String?
        var param: String?
        var message: String
        var retryAfter: Duration?
        var upstreamRequestID: String?
        var isRunActive: Bool
        var activeRunID: String?
    }

    /// The fields live in one copy-on-write box: thrown values are copied into every async
    /// frame that may receive them, and a pointer-sized error keeps those frames small.
    private final class Box: @unchecked Sendable {  // mutated only while uniquely referenced
        var fields: Fields
        init(_ fields: Fields) { self.fields = fields }
    }

    private var box: Box

    private var fields: Fields {
        get { box.fields }
        set {
            if isKnownUniquelyReferenced(&box) {
                box.fields = newValue
            } else {
                box = Box(newValue)
            }
        }
    }

    public var kind: Kind {
        get { fields.kind }
        set { fields.kind = newValue }
    }
    /// The upstream's HTTP status for `rejected`.
    public var status: Int? {
        get { fields.status }
        set { fields.status = newValue }
    }
    public var type: String? {
        get { fields.type }
        set { fields.type = newValue }
    }
    public var code: String? {
        get { fields.code }
        set { fields.code = newValue }
    }
    public var param: String? {
        get { fields.param }
        set { fields.param = newValue }
    }
    /// The upstream's message (`rejected`), or what failed. Not meant for clients as is:
    /// transport messages name hosts.
    public var message: String {
        get { fields.message }
        set { fields.message = newValue }
    }
    /// From `Retry-After` / `retry-after-ms` on a 429 or 503.
    public var retryAfter: Duration? {
        get { fields.retryAfter }
        set { fields.retryAfter = newValue }
    }
    /// The upstream's `x-request-id`, for logs.
    public var upstreamRequestID: String? {
        get { fields.upstreamRequestID }
        set { fields.upstreamRequestID = newValue }
    }
    /// The upstream refused because a run of the thread is still active.
    public var isRunActive: Bool {
        get { fields.isRunActive }
        set { fields.isRunActive = newValue }
    }
    /// For a run-active rejection: the run holding the thread, when the upstream named it.
    public var activeRunID: String? {
        get { fields.activeRunID }
        set { fields.activeRunID = newValue }
    }

    public init(
        kind: Kind, status: Int? = nil, type: String? = nil, code: String? = nil, param: String? = nil, message: String,
        retryAfter: Duration? = nil, upstreamRequestID: String? = nil, isRunActive: Bool = false,
        activeRunID: String? = nil
    ) {
        box = Box(Fields(
            kind: kind, status: status, type: type, code: code, param: param, message: message, retryAfter: retryAfter,
            upstreamRequestID: upstreamRequestID, isRunActive: isRunActive || activeRunID != nil, activeRunID: activeRunID))
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
