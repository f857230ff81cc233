public import JSON
public import UpstreamAPI

/// Streamed runs: the requests of `createRun` and `submitToolOutputs` with `stream: true`, so
/// one upstream request carries a run's round from start to end (see ``ResponsesRunEventStream``).
extension ResponsesDialect {
    public func createRunStreaming(
        threadID: String, body: JSONObject, context: UpstreamCallContext
    ) async throws(UpstreamAPIError) -> any RunEventStream {
        var request = try firstResponseRequest(threadID: threadID, body: body)
        request["stream"] = true
        let response = try await transport.stream(
            .post, "/responses", body: request, requestID: context.requestID, idempotencyKey: context.idempotencyKey)
        return ResponsesRunEventStream(
            transport: transport, conversationTimes: conversationTimes, threadID: threadID, requestID: context.requestID,
            chainFirst: nil, response: response)
    }

    /// Starts the chain's next response streamed; the run is pointed at it as soon as its
    /// first event names it, before any event is handed out.
    public func submitToolOutputsStreaming(
        threadID: String, runID: String, body: JSONObject, context: UpstreamCallContext
    ) async throws(UpstreamAPIError) -> any RunEventStream {
        let round = try await nextRound(threadID: threadID, runID: runID, body: body, context)
        var request = round.request
        request["stream"] = true
        let response = try await transport.stream(
            .post, "/responses", body: request, requestID: context.requestID, idempotencyKey: context.idempotencyKey)
        let stream = ResponsesRunEventStream(
            transport: transport, conversationTimes: conversationTimes, threadID: threadID, requestID: context.requestID,
            chainFirst: round.resolved.view.first, response: response)
        do {
            let nextID = try await stream.streamedResponseID()
            try await record(round, latestID: nextID, threadID: threadID, context)
        } catch {
            stream.cancel()
            throw error
        }
        return stream
    }
}
