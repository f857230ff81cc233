public import UpstreamHTTP

/// The one error type of the Assistants v2 client.
///
/// `kind` says where the failure came from; for `.api` the upstream's error object is in
/// `status`, `type`, `code`, `param` and `message`. `description` is generic and safe to show;
/// `debugDescription` adds the upstream's message and the target, for logs.
public struct AssistantsError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// Where the failure came from, as a stable, growable set of names.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }

        /// The upstream answered with an error status (4xx, 5xx); see `status`, `type`, `code`.
        public static let api = Kind("api")
        /// No response arrived, or the body broke off: see `transport` (timeouts, connect, cancel).
        public static let transport = Kind("transport")
        /// A successful response or a stream the client could not read.
        public static let invalidResponse = Kind("invalid_response")
        /// An `error` event inside a stream; `type`, `code` and `message` come from it.
        public static let streamError = Kind("stream_error")

        public var description: String { name }
    }

    private struct Fields {
        let kind: Kind
        let status: Int?
        let type: String?
        let code: String?
        let param: String?
        let message: String
        let transport: UpstreamHTTPError?
        let retryAfter: Duration?
        let upstreamRequestID: String?
        let attempts: Int
        let target: String
    }

    /// The fields live in one shared box: thrown values are copied into every async frame
    /// that may receive them, and a pointer-sized error keeps those frames small.
    private final class Box: Sendable {
        let fields: Fields
        init(_ fields: Fields) { self.fields = fields }
    }

    private let box: Box

    public var kind: Kind { box.fields.kind }
    /// The HTTP status for `.api` errors; nil otherwise.
    public var status: Int? { box.fields.status }
    /// The upstream's `error.type`, such as `invalid_request_error`.
    public var type: String? { box.fields.type }
    /// The upstream's `error.code`, such as `invalid_api_key`; often nil.
    public var code: String? { box.fields.code }
    /// The upstream's `error.param`, naming the offending parameter.
    public var param: String? { box.fields.param }
    /// The upstream's `error.message` (may echo ids or a masked key): for logs, not for users.
    public var message: String { box.fields.message }
    /// The HTTP client's failure for `.transport` errors.
    public var transport: UpstreamHTTPError? { box.fields.transport }
    /// The pause the upstream asked for (`retry-after-ms` or `Retry-After`).
    public var retryAfter: Duration? { box.fields.retryAfter }
    /// The upstream's `x-request-id`.
    public var upstreamRequestID: String? { box.fields.upstreamRequestID }
    /// Upstream requests sent for the call, counting the first.
    public var attempts: Int { box.fields.attempts }
    /// Method and path of the call, without query, for logs.
    public var target: String { box.fields.target }

    init(
        kind: Kind, status: Int? = nil, type: String? = nil, code: String? = nil, param: String? = nil,
        message: String, transport: UpstreamHTTPError? = nil, retryAfter: Duration? = nil,
        upstreamRequestID: String? = nil, attempts: Int = 1, target: String = ""
    ) {
        box = Box(Fields(
            kind: kind, status: status, type: type, code: code, param: param, message: message, transport: transport,
            retryAfter: retryAfter, upstreamRequestID: upstreamRequestID, attempts: attempts, target: target))
    }

    /// Wraps a failure of the HTTP client.
    init(transport error: UpstreamHTTPError, target: String) {
        self.init(
            kind: .transport, message: error.description, transport: error, attempts: error.attempts,
            target: target.isEmpty ? error.target : target)
    }

    /// A response or stream the client could not read.
    static func invalidResponse(_ message: String, target: String = "", attempts: Int = 1, upstreamRequestID: String? = nil) -> AssistantsError {
        AssistantsError(kind: .invalidResponse, message: message, upstreamRequestID: upstreamRequestID, attempts: attempts, target: target)
    }

    /// A copy naming the call it belongs to.
    func with(target: String, attempts: Int, upstreamRequestID: String?) -> AssistantsError {
        AssistantsError(
            kind: kind, status: status, type: type, code: code, param: param, message: message, transport: transport,
            retryAfter: retryAfter, upstreamRequestID: upstreamRequestID ?? self.upstreamRequestID, attempts: attempts,
            target: target)
    }

    // MARK: Questions callers ask

    /// 404: the id does not exist upstream (or is not visible with this key).
    public var isNotFound: Bool { status == 404 }
    /// 401: the API key was missing or wrong.
    public var isAuthentication: Bool { status == 401 }
    /// 429: rate limited; see `retryAfter`.
    public var isRateLimited: Bool { status == 429 }
    /// A connect, total or stalled-body timeout.
    public var isTimeout: Bool { transport?.isTimeout ?? false }
    /// The calling task was cancelled (or the stream's consumer went away).
    public var isCancelled: Bool { transport?.code == .cancelled }
    /// The upstream's 400 for adding a message or creating a run while a run is active
    /// (notes §5): `Can't add messages to thread_… while a run run_… is active.` or
    /// `Thread thread_… already has an active run run_….`
    public var isRunActive: Bool {
        status == 400 && (message.contains("while a run") || message.contains("already has an active run"))
    }
    /// The active run's id named by a run-active 400, if any.
    public var activeRunID: String? {
        guard isRunActive else { return nil }
        return message.split(whereSeparator: { $0 == " " || $0 == "." }).first { $0.hasPrefix("run_") }.map(String.init)
    }

    public var description: String {
        switch kind {
        case .api: "upstream answered \(status ?? 0)" + (type.map { " (\($0))" } ?? "")
        case .transport: transport?.description ?? "upstream request failed"
        case .invalidResponse: "unreadable upstream response"
        case .streamError: "upstream stream error" + (type.map { " (\($0))" } ?? "")
        default: "upstream call failed"
        }
    }

    public var debugDescription: String {
        var parts = [description, "attempts=\(attempts)"]
        if !target.isEmpty { parts.append(target) }
        if let code { parts.append("code=\(code)") }
        if let param { parts.append("param=\(param)") }
        if let upstreamRequestID { parts.append("x-request-id=\(upstreamRequestID)") }
        if let transport { parts.append(transport.debugDescription) } else if !message.isEmpty { parts.append(message) }
        return parts.joined(separator: "; ")
    }
}
