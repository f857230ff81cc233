/// Where the client's connections go.
public enum UpstreamProxy: Sendable, Hashable {
    /// libcurl's own rules, read from the environment for each new connection: `https_proxy` /
    /// `HTTPS_PROXY` for https URLs, `http_proxy` (lower case only) for http URLs, `all_proxy` /
    /// `ALL_PROXY` for both, and hosts in `no_proxy` / `NO_PROXY` go direct.
    case environment
    /// Always direct, whatever the environment says.
    case none
    /// Through this proxy (`http://host:port`), except for the hosts in `noProxy`
    /// (comma-separated, as in `NO_PROXY`; nil falls back to the environment's `NO_PROXY`).
    case url(String, noProxy: String?)
}

/// Everything an `UpstreamHTTPClient` needs besides its loop.
public struct UpstreamHTTPConfiguration: Sendable {
    /// Timeouts for requests that bring none of their own.
    public var timeouts: UpstreamTimeouts
    /// The retry policy for requests that bring none of their own.
    public var retryPolicy: RetryPolicy
    /// Most connections open to one host at once; further requests queue (HTTP/1.1) or share
    /// a connection (HTTP/2 multiplexing).
    public var maxConnectionsPerHost: Int
    /// Most idle connections kept for reuse.
    public var maxCachedConnections: Int
    /// Idle libcurl handles kept for the next requests.
    public var maxIdleHandles: Int
    /// Largest body `execute` collects; larger fails with `responseTooLarge`.
    public var maxResponseBytes: Int
    /// Bytes a streamed body buffers before the transfer pauses for its consumer.
    public var streamBufferBytes: Int
    /// libcurl's receive buffer for a streamed body (`CURLOPT_BUFFERSIZE`, 1 KiB at least).
    /// Held for the whole stream, so it is the smallest libcurl takes: a waiting ask holds one
    /// stream, and its events are read in a few 1 KiB steps.
    public var streamReceiveBufferBytes: Int
    public var proxy: UpstreamProxy
    /// A PEM file of trusted CA certificates instead of the system's. Verification stays on.
    public var caBundlePath: String?
    /// Negotiate HTTP/2 over TLS (ALPN) and multiplex requests on one connection.
    public var preferHTTP2: Bool
    /// Ask for gzip/brotli/zstd bodies and decode them.
    public var acceptCompressedResponses: Bool
    /// Sent as `User-Agent` unless a request brings its own.
    public var userAgent: String?
    /// Called after every attempt (on the calling task): for logs and metrics.
    public var attemptLog: (@Sendable (UpstreamAttemptRecord) -> Void)?

    public init(
        timeouts: UpstreamTimeouts = UpstreamTimeouts(), retryPolicy: RetryPolicy = .standard,
        maxConnectionsPerHost: Int = 32, maxCachedConnections: Int = 64, maxIdleHandles: Int = 16,
        maxResponseBytes: Int = 32 * 1024 * 1024, streamBufferBytes: Int = 256 * 1024, streamReceiveBufferBytes: Int = 1024,
        proxy: UpstreamProxy = .environment, caBundlePath: String? = nil, preferHTTP2: Bool = true,
        acceptCompressedResponses: Bool = true, userAgent: String? = "threadgate",
        attemptLog: (@Sendable (UpstreamAttemptRecord) -> Void)? = nil
    ) {
        self.timeouts = timeouts
        self.retryPolicy = retryPolicy
        self.maxConnectionsPerHost = maxConnectionsPerHost
        self.maxCachedConnections = maxCachedConnections
        self.maxIdleHandles = maxIdleHandles
        self.maxResponseBytes = maxResponseBytes
        self.streamBufferBytes = streamBufferBytes
        self.streamReceiveBufferBytes = streamReceiveBufferBytes
        self.proxy = proxy
        self.caBundlePath = caBundlePath
        self.preferHTTP2 = preferHTTP2
        self.acceptCompressedResponses = acceptCompressedResponses
        self.userAgent = userAgent
        self.attemptLog = attemptLog
    }
}

/// What one attempt did, for logs and metrics (one record per upstream request sent).
public struct UpstreamAttemptRecord: Sendable {
    /// Method and URL without query, such as `GET https://api.example.com/v1/threads/thread_1`.
    public var target: String
    /// 1 for the first attempt.
    public var attempt: Int
    /// The response status, nil when no response head arrived.
    public var status: Int?
    /// Why the attempt failed, nil when a response arrived.
    public var error: UpstreamHTTPError.Code?
    /// libcurl's code for the failure, 0 when none.
    public var curlCode: Int32
    /// From the attempt's start until its response (head, for streams) or failure.
    public var durationNanos: UInt64
    /// The `X-Request-Id` sent.
    public var requestID: String?
    /// The upstream's `x-request-id`.
    public var upstreamRequestID: String?
    /// What the client does next.
    public var decision: RetryDecision
}
