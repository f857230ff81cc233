/// The status line and header fields of an upstream response.
struct UpstreamResponseHead: Sendable {
    var status: Int
    var headers: UpstreamHeaders
    /// The protocol version the response came over: `1.1`, `1.0` or `2`.
    var httpVersion: String

    init(status: Int, headers: UpstreamHeaders, httpVersion: String) {
        self.status = status
        self.headers = headers
        self.httpVersion = httpVersion
    }
}

/// A complete upstream response with its whole body.
public struct UpstreamResponse: Sendable {
    public var status: Int
    public var headers: UpstreamHeaders
    public var body: [UInt8]
    /// Requests sent for this call, counting the first (1 when no retry happened).
    public var attempts: Int
    /// The protocol version the response came over: `1.1`, `1.0` or `2`.
    public var httpVersion: String

    public init(status: Int, headers: UpstreamHeaders, body: [UInt8], attempts: Int = 1, httpVersion: String = "1.1") {
        self.status = status
        self.headers = headers
        self.body = body
        self.attempts = attempts
        self.httpVersion = httpVersion
    }

    /// The upstream's `x-request-id`, for logs.
    public var upstreamRequestID: String? { headers["x-request-id"] }
    /// The pause the upstream asked for (`retry-after-ms`, else `Retry-After` seconds).
    public var retryAfter: Duration? { retryAfterDelay(headers) }
}

/// An upstream response whose body arrives incrementally, as for server-sent events.
public struct UpstreamStreamingResponse: Sendable {
    public var status: Int
    public var headers: UpstreamHeaders
    /// Requests sent for this call, counting the first.
    public var attempts: Int
    public var httpVersion: String
    /// The body, chunk by chunk. Dropping it (or calling `cancel()`) aborts the transfer.
    public let body: UpstreamBody

    init(head: UpstreamResponseHead, attempts: Int, body: UpstreamBody) {
        status = head.status
        headers = head.headers
        httpVersion = head.httpVersion
        self.attempts = attempts
        self.body = body
    }

    /// The upstream's `x-request-id`, for logs.
    public var upstreamRequestID: String? { headers["x-request-id"] }
    /// The pause the upstream asked for (`retry-after-ms`, else `Retry-After` seconds).
    public var retryAfter: Duration? { retryAfterDelay(headers) }
}
