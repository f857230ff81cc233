public import JSON

/// What a run's event stream reports, in the frontend's vocabulary.
public enum RunStreamEvent: Sendable {
    /// The run as it is now (each status change).
    case run(UpstreamRun)
    /// Text added to an assistant message being written.
    case messageDelta(messageID: String, text: String)
    /// An assistant message this run finished writing (the whole object).
    case messageCompleted(JSONObject)
}

/// The events of one streamed run, read by one task. `next()` returns nil after the last
/// event; `cancel()` stops reading (the upstream run goes on).
public protocol RunEventStream: Sendable {
    func next() async throws(UpstreamAPIError) -> RunStreamEvent?
    func cancel()
}

extension UpstreamDialect {
    /// Default for dialects without streaming: `unsupported`, so callers poll instead.
    public func createRunStreaming(
        threadID: String, body: JSONObject, context: UpstreamCallContext
    ) async throws(UpstreamAPIError) -> any RunEventStream {
        throw UpstreamAPIError(kind: .unsupported, message: "this upstream does not stream runs")
    }

    public func submitToolOutputsStreaming(
        threadID: String, runID: String, body: JSONObject, context: UpstreamCallContext
    ) async throws(UpstreamAPIError) -> any RunEventStream {
        throw UpstreamAPIError(kind: .unsupported, message: "this upstream does not stream runs")
    }
}
