/// # AssistantsV2
///
/// A typed client for the OpenAI Assistants v2 upstream (assistants, threads, messages, runs,
/// run steps and their server-sent events) over `UpstreamHTTPClient`, without Foundation.
///
/// - `AssistantsClient` sends every call with `Authorization: Bearer`, `OpenAI-Beta:
///   assistants=v2`, the optional organization and project headers, the caller's request id
///   (`X-Request-Id`) and idempotency key, and returns an `AssistantsResponse` that also tells
///   how many upstream attempts the call took and the upstream's `openai-poll-after-ms`.
/// - Objects (`Assistant`, `AssistantThread`, `ThreadMessage`, `Run`, `RunStep`, lists) are
///   structs with the fields the gateway reads, each keeping the whole upstream object in
///   `raw`, so fields this module does not model pass through untouched.
/// - Failures are one `AssistantsError`: the upstream's error shape with its HTTP status,
///   transport failures wrapping `UpstreamHTTPError`, unreadable responses, `error` events.
/// - Streams (`stream: true`) are `AssistantStream`s of typed `AssistantStreamEvent`s, read
///   incrementally by the pure `ServerSentEventParser` (UpstreamHTTP, shared with the Responses dialect).
///
/// ```swift
/// let assistants = AssistantsClient(http: upstream, configuration: AssistantsConfiguration(
///     baseURL: "http://127.0.0.1:8090/v1", apiKey: key))
/// let thread = try await assistants.createThread(CreateThreadRequest(metadata: ["owner": "u1"])).value
/// let stream = try await assistants.createRunStream(
///     threadID: thread.id, CreateRunRequest(assistantID: "asst_default", additionalMessages: [.user("hi")]))
/// for try await event in stream {
///     if case .messageDelta(let delta) = event { print(delta.text, terminator: "") }
/// }
/// ```
public enum AssistantsV2Overview {}
