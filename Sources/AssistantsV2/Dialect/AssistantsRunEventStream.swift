public import JSON
public import UpstreamAPI

extension AssistantsDialect {
    public func createRunStreaming(
        threadID: String, body: JSONObject, context: UpstreamCallContext
    ) async throws(UpstreamAPIError) -> any RunEventStream {
        do {
            return AssistantsRunEventStream(
                try await client.stream(AssistantsClient.threadPath(threadID) + "/runs", body: body, options: Self.options(context)))
        } catch {
            throw Self.translate(error)
        }
    }

    public func submitToolOutputsStreaming(
        threadID: String, runID: String, body: JSONObject, context: UpstreamCallContext
    ) async throws(UpstreamAPIError) -> any RunEventStream {
        do {
            return AssistantsRunEventStream(
                try await client.stream(
                    AssistantsClient.runPath(threadID, runID) + "/submit_tool_outputs", body: body, options: Self.options(context)))
        } catch {
            throw Self.translate(error)
        }
    }

    static func options(_ context: UpstreamCallContext) -> AssistantsRequestOptions {
        AssistantsRequestOptions(requestID: context.requestID, idempotencyKey: context.idempotencyKey)
    }
}

/// An Assistants event stream read as ``RunStreamEvent``s: run snapshots, text deltas and
/// completed messages; steps and the rest are skipped.
final class AssistantsRunEventStream: RunEventStream, @unchecked Sendable {  // one reader task at a time (protocol contract)
    private let stream: AssistantStream
    private var iterator: AssistantStream.Iterator

    init(_ stream: AssistantStream) {
        self.stream = stream
        iterator = stream.makeAsyncIterator()
    }

    func next() async throws(UpstreamAPIError) -> RunStreamEvent? {
        while true {
            let event: AssistantStreamEvent?
            do {
                event = try await iterator.next()
            } catch {
                throw AssistantsDialect.translate(error)
            }
            guard let event else { return nil }
            switch event {
            case .run(let event, let run):
                // The status is the event's: a run settles on its terminal event (which carries
                // the final fields, `last_error` included), not on an earlier snapshot that
                // already reads terminal.
                let status = event == .created ? "queued" : event.rawValue
                return .run(UpstreamRun(object: run.raw, id: run.id, status: RunState(rawValue: status)))
            case .messageDelta(let delta):
                let text = delta.content.compactMap(\.text).joined()
                if !text.isEmpty { return .messageDelta(messageID: delta.id, text: text) }
            case .message(.completed, let message), .message(.incomplete, let message):
                return .messageCompleted(message.raw)
            case .error(let error):
                throw AssistantsDialect.translate(error)
            case .done:
                return nil
            default:
                continue
            }
        }
    }

    func cancel() { stream.cancel() }
}
