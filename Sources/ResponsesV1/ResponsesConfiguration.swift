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
    /// Timeouts of every call; nil uses the HTTP client's.
    public var timeouts: UpstreamTimeouts?
    /// The retry policy of every call; nil uses the HTTP client's. Only idempotent requests
    /// (GET, DELETE, and POSTs with an idempotency key) are ever retried.
    public var retryPolicy: RetryPolicy?
    /// What each frontend assistant id stands for, by id.
    public var profiles: [String: ResponsesProfile]

    public init(
        baseURL: String, apiKey: String, organization: String? = nil, project: String? = nil,
        timeouts: UpstreamTimeouts? = nil, retryPolicy: RetryPolicy? = nil, profiles: [ResponsesProfile] = []
    ) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.apiKey = apiKey
        self.organization = organization
        self.project = project
        self.timeouts = timeouts
        self.retryPolicy = retryPolicy
        var byID: [String: ResponsesProfile] = [:]
        for profile in profiles { byID[profile.assistantID] = profile }
        self.profiles = byID
    }
}
