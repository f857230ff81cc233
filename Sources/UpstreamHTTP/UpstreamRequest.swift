/// An HTTP method token for an upstream request.
public struct UpstreamMethod: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let get = UpstreamMethod(rawValue: "GET")
    public static let head = UpstreamMethod(rawValue: "HEAD")
    public static let post = UpstreamMethod(rawValue: "POST")
    public static let put = UpstreamMethod(rawValue: "PUT")
    public static let patch = UpstreamMethod(rawValue: "PATCH")
    public static let delete = UpstreamMethod(rawValue: "DELETE")
    public static let options = UpstreamMethod(rawValue: "OPTIONS")
    public var description: String { rawValue }

    /// Idempotent by definition (RFC 9110 §9.2.2): repeating it has the effect of sending it once.
    public var isIdempotent: Bool {
        self == .get || self == .head || self == .put || self == .delete || self == .options
    }
}

/// How long one attempt may take at each stage.
public struct UpstreamTimeouts: Sendable, Hashable {
    /// Name resolution, TCP connect and TLS handshake together.
    public var connect: Duration
    /// The whole attempt, from start to the last body byte; nil for none (long streams).
    public var total: Duration?
    /// The longest the response body may go without a byte, counted from the response head;
    /// nil for none. Time the caller spends not reading a stream does not count.
    public var stalled: Duration?

    public init(connect: Duration = .seconds(10), total: Duration? = .seconds(60), stalled: Duration? = nil) {
        self.connect = connect
        self.total = total
        self.stalled = stalled
    }
}

/// One request to the upstream.
///
/// ```swift
/// var request = UpstreamRequest(method: .post, url: "https://api.example.com/v1/threads",
///                               headers: ["Content-Type": "application/json"], body: Array(json.utf8))
/// request.requestID = incoming.requestID
/// request.idempotencyKey = key   // makes the POST safe to retry
/// ```
public struct UpstreamRequest: Sendable {
    public var method: UpstreamMethod
    /// An absolute `http` or `https` URL.
    public var url: String
    public var headers: UpstreamHeaders
    public var body: [UInt8]
    /// Per-request timeouts; nil uses the client's defaults.
    public var timeouts: UpstreamTimeouts?
    /// Sent as `X-Request-Id` (replacing any such header) unless empty: the incoming request's id.
    public var requestID: String?
    /// Sent as `Idempotency-Key` unless empty; a POST or PATCH carrying one may be retried.
    public var idempotencyKey: String?
    /// Per-request retry policy; nil uses the client's. `.none` never retries.
    public var retryPolicy: RetryPolicy?

    public init(
        method: UpstreamMethod = .get, url: String, headers: UpstreamHeaders = [:], body: [UInt8] = [],
        timeouts: UpstreamTimeouts? = nil, requestID: String? = nil, idempotencyKey: String? = nil,
        retryPolicy: RetryPolicy? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeouts = timeouts
        self.requestID = requestID
        self.idempotencyKey = idempotencyKey
        self.retryPolicy = retryPolicy
    }

    /// True when sending the request twice is safe, so the client may retry it: an idempotent
    /// method (GET, HEAD, PUT, DELETE, OPTIONS) or any request carrying an idempotency key
    /// (`idempotencyKey` or an `Idempotency-Key` header). A plain POST is never retried.
    public var isIdempotent: Bool {
        method.isIdempotent || !(idempotencyKey ?? "").isEmpty || !(headers["Idempotency-Key"] ?? "").isEmpty
    }

    /// The method and the URL without query or credentials, for logs and errors.
    public var logTarget: String { "\(method) \(Self.redactedURL(url))" }

    /// `url` without user info, query or fragment.
    static func redactedURL(_ url: String) -> String {
        let bytes = Array(url.utf8)
        let end = bytes.firstIndex { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? bytes.endIndex
        var authorityStart = 0
        for index in 0..<max(0, end - 2)
        where bytes[index] == UInt8(ascii: ":") && bytes[index + 1] == UInt8(ascii: "/") && bytes[index + 2] == UInt8(ascii: "/") {
            authorityStart = index + 3
            break
        }
        let authorityEnd = bytes[authorityStart..<end].firstIndex(of: UInt8(ascii: "/")) ?? end
        guard authorityStart > 0, let at = bytes[authorityStart..<authorityEnd].lastIndex(of: UInt8(ascii: "@")) else {
            return String(decoding: bytes[..<end], as: UTF8.self)
        }
        return String(decoding: bytes[..<authorityStart] + bytes[(at + 1)..<end], as: UTF8.self)
    }
}
