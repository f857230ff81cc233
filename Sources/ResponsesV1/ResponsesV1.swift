/// # ResponsesV1
///
/// The gateway's ``UpstreamDialect`` over OpenAI's Responses + Conversations API, for the
/// Assistants-v2-shaped frontend API: `ResponsesDialect`.
///
/// - Threads are conversations; messages are its user and assistant message items (function
///   calls and their outputs stay hidden, pages stay full: see `MessagePager`). Items carry
///   no time, so a message's `created_at` is its conversation's.
/// - A run is a chain of background responses on the conversation, one per tool round. Its
///   id is the first response's; each later response carries a `threadgate_run` tag (the
///   first id, the previous id, the tokens so far) and the conversation's `threadgate_runs`
///   metadata points each recent run at its latest response. No gateway state is needed.
/// - Runs stream: each round's response is created with `stream: true` and read by
///   `ResponsesRunEventStream` as run events, resumed after its last `sequence_number` when the
///   connection breaks.
/// - Assistants are `ResponsesProfile`s from configuration (model, instructions, function
///   tools); creating, changing or deleting them is `unsupported`, as is listing runs.
/// - Run steps are synthesized from the responses' output items.
///
/// ```swift
/// let dialect = ResponsesDialect(http: upstream, configuration: ResponsesConfiguration(
///     baseURL: "https://api.openai.com/v1", apiKey: key, profiles: try ResponsesProfile.load(path: path)))
/// ```
public enum ResponsesV1Overview {}
