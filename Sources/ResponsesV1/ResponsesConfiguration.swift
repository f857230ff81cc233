public import UpstreamHTTP

/// Where the Responses upstream is, how to authenticate, and which assistant profiles exist.
///
/// ```swift
/// let profiles = try ResponsesProfile.parse(fileBytes)
/// var configuration = ResponsesConfiguration(baseURL: "https://api.openai.com/v1", apiKey: key, profiles: profiles)
/// configuration.project = "proj_123"
/// ```
public struct ResponsesConfiguration: Sendable {
    /// The API root, such as `https://api.openai.com/v1` (a trailing `/` is ignored).
    public var baseURL: String
    /// Sent as `Authorization: Bearer <apiKey>`.
    public var apiKey: String
    /// Sent as `OpenAI-Organization` when set.
    public var organization: String?
    /// Sent as `OpenAI-Project` when set.
    public var project: String?
    /// Timeouts of every call but streams; nil uses the HTTP client's.
    public var timeouts: UpstreamTimeouts?
    /// Timeouts of streamed runs: no total limit by default (a run may stream for minutes),
    /// but a body silent for two minutes is abandoned.
    public var streamTimeouts: UpstreamTimeouts
    /// The retry policy of every call; nil uses the HTTP client's. Only idempotent requests
    /// (GET, DELETE, and POSTs with an idempotency key) are ever retried.
    public var retryPolicy: RetryPolicy?
    /// Largest error body read from a failed stream, and largest single event in a stream.
    public var maxStreamEventBytes: Int
    /// How many times one streamed run reconnects (`GET /responses/{id}?stream=true&starting_after=…`)
    /// after its stream broke, before it gives up and the caller polls.
    public var streamResumes: Int
    /// The pause before each reconnection.
    public var streamResumeDelay: Duration
    /// What each frontend assistant id stands for, by id.
    public var profiles: [String: ResponsesProfile]

    public init(
        baseURL: String, apiKey: String, organization: String? = nil, project: String? = nil,
        timeouts: UpstreamTimeouts? = nil,
        streamTimeouts: UpstreamTimeouts = UpstreamTimeouts(connect: .seconds(10), total: nil, stalled: .seconds(120)),
        retryPolicy: RetryPolicy? = nil, maxStreamEventBytes: Int = 4 * 1024 * 1024, streamResumes: Int = 2,
        streamResumeDelay: Duration = .milliseconds(100), profiles: [ResponsesProfile] = []
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
        self.streamResumes = max(0, streamResumes)
        self.streamResumeDelay = streamResumeDelay
        var byID: [String: ResponsesProfile] = [:]
        for profile in profiles { byID[profile.assistantID] = profile }
        self.profiles = byID
    }
}
