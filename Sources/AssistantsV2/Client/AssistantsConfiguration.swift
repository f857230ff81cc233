public import UpstreamHTTP

/// Where the upstream is, how to authenticate, and the defaults every call starts from.
///
/// ```swift
/// var configuration = AssistantsConfiguration(baseURL: "https://api.openai.com/v1", apiKey: key)
/// configuration.project = "proj_123"
/// configuration.retryPolicy = RetryPolicy(maxAttempts: 4)
/// ```
public struct AssistantsConfiguration: Sendable {
    /// The API root, such as `https://api.openai.com/v1` (a trailing `/` is ignored).
    public var baseURL: String
    /// Sent as `Authorization: Bearer <apiKey>`.
    public var apiKey: String
    /// Sent as `OpenAI-Organization` when set.
    public var organization: String?
    /// Sent as `OpenAI-Project` when set.
    public var project: String?
    /// Timeouts of ordinary calls; nil uses the HTTP client's.
    public var timeouts: UpstreamTimeouts?
    /// Timeouts of streamed calls: no total limit by default (a run may stream for minutes),
    /// but a body silent for two minutes is abandoned.
    public var streamTimeouts: UpstreamTimeouts
    /// The retry policy of every call; nil uses the HTTP client's. Only idempotent requests
    /// (GET, DELETE, and POSTs with an idempotency key) are ever retried.
    public var retryPolicy: RetryPolicy?
    /// Largest error body read from a failed stream, and largest single event in a stream.
    public var maxStreamEventBytes: Int
    /// Headers added to every call (after the standard ones, which they cannot replace).
    public var extraHeaders: UpstreamHeaders

    public init(
        baseURL: String, apiKey: String, organization: String? = nil, project: String? = nil,
        timeouts: UpstreamTimeouts? = nil,
        streamTimeouts: UpstreamTimeouts = UpstreamTimeouts(connect: .seconds(10), total: nil, stalled: .seconds(120)),
        retryPolicy: RetryPolicy? = nil, maxStreamEventBytes: Int = 4 * 1024 * 1024, extraHeaders: UpstreamHeaders = [:]
    ) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.apiKey = apiKey
        self.organization = organization
        self.project = project
        self.timeouts = timeouts
        self.streamTimeouts = streamTimeouts
        self.retryPolicy = retryPolicy
        self.maxStreamEventBytes = maxStreamEventBytes
        self.extraHeaders = extraHeaders
    }
}

/// Per-call settings: the incoming request's id, an idempotency key, overrides.
///
/// ```swift
/// let options = AssistantsRequestOptions(requestID: incoming.requestID, idempotencyKey: key)
/// let run = try await assistants.createRun(threadID: id, body, options: options)
/// ```
public struct AssistantsRequestOptions: Sendable {
    /// Sent as `X-Request-Id`: the id of the request that caused this call.
    public var requestID: String?
    /// Sent as `Idempotency-Key`; a POST carrying one may be retried.
    public var idempotencyKey: String?
    /// Overrides the configuration's timeouts for this call.
    public var timeouts: UpstreamTimeouts?
    /// Overrides the configuration's retry policy for this call.
    public var retryPolicy: RetryPolicy?
    /// Extra headers for this call only.
    public var headers: UpstreamHeaders

    public init(
        requestID: String? = nil, idempotencyKey: String? = nil, timeouts: UpstreamTimeouts? = nil,
        retryPolicy: RetryPolicy? = nil, headers: UpstreamHeaders = [:]
    ) {
        self.requestID = requestID
        self.idempotencyKey = idempotencyKey
        self.timeouts = timeouts
        self.retryPolicy = retryPolicy
        self.headers = headers
    }
}

/// A decoded upstream answer and what it took to get it.
public struct AssistantsResponse<Value: Sendable>: Sendable {
    public var value: Value
    /// The HTTP status (2xx).
    public var status: Int
    /// Upstream requests sent for this call, counting the first (1 without retries).
    public var attempts: Int
    public var headers: UpstreamHeaders

    public init(value: Value, status: Int = 200, attempts: Int = 1, headers: UpstreamHeaders = [:]) {
        self.value = value
        self.status = status
        self.attempts = attempts
        self.headers = headers
    }

    /// The upstream's `x-request-id`, for logs.
    public var upstreamRequestID: String? { headers["x-request-id"] }

    /// The upstream's `openai-poll-after-ms` (sent on run responses): how long to wait
    /// before polling the run again.
    public var pollAfter: Duration? {
        guard let text = headers["openai-poll-after-ms"], let millis = Int(text), millis >= 0 else { return nil }
        return .milliseconds(millis)
    }

    /// The same response carrying `transform(value)`.
    public func map<Other: Sendable>(_ transform: (Value) throws -> Other) rethrows -> AssistantsResponse<Other> {
        AssistantsResponse<Other>(value: try transform(value), status: status, attempts: attempts, headers: headers)
    }
}
