public import UpstreamHTTP
import JSON

/// The events of a streamed call (`stream: true`), decoded incrementally as the body arrives.
///
/// Iterate it once, from one task. It yields events in wire order, `.done` last; events after
/// `done` are ignored. It throws `.transport` when the body breaks off (cancelling the
/// iterating task aborts the transfer: `isCancelled`), `.invalidResponse` when the body is
/// not a valid event stream or ends before `done` (unless an `error` event came first).
/// Dropping the stream, or `cancel()`, aborts the transfer.
///
/// ```swift
/// let stream = try await assistants.createRunStream(threadID: id, CreateRunRequest(assistantID: "asst_default"))
/// for try await event in stream {
///     switch event {
///     case .messageDelta(let delta): relay(delta.text)
///     case .run(.completed, let run): finish(run)
///     default: break
///     }
/// }
/// ```
public struct AssistantStream: AsyncSequence, Sendable {
    public typealias Element = AssistantStreamEvent
    public typealias Failure = AssistantsError

    /// The HTTP status (2xx).
    public let status: Int
    public let headers: UpstreamHeaders
    /// Upstream requests sent before the stream started, counting the first.
    public let attempts: Int
    let body: UpstreamBody
    let maxEventBytes: Int
    let target: String

    init(response: UpstreamStreamingResponse, maxEventBytes: Int, target: String) {
        status = response.status
        headers = response.headers
        attempts = response.attempts
        body = response.body
        self.maxEventBytes = maxEventBytes
        self.target = target
    }

    /// The upstream's `x-request-id`, for logs.
    public var upstreamRequestID: String? { headers["x-request-id"] }

    /// Stops the transfer; iteration then ends with a cancellation error. Any thread.
    public func cancel() { body.cancel() }

    public func makeAsyncIterator() -> Iterator { Iterator(stream: self) }

    public struct Iterator: AsyncIteratorProtocol {
        let stream: AssistantStream
        var source: UpstreamBody.Iterator
        var parser: ServerSentEventParser
        var pending: [ServerSentEvent] = []
        var nextPending = 0
        var sawDone = false
        var sawError = false
        var finished = false

        init(stream: AssistantStream) {
            self.stream = stream
            source = stream.body.makeAsyncIterator()
            parser = ServerSentEventParser(maxEventBytes: stream.maxEventBytes)
        }

        public mutating func next() async throws(AssistantsError) -> AssistantStreamEvent? {
            while true {
                if nextPending < pending.count {
                    let event = pending[nextPending]
                    nextPending += 1
                    if sawDone { continue }
                    let decoded: AssistantStreamEvent
                    do {
                        decoded = try AssistantStreamEvent(event)
                    } catch {
                        finish()
                        throw error.with(target: stream.target, attempts: stream.attempts, upstreamRequestID: stream.upstreamRequestID)
                    }
                    switch decoded {
                    case .done: sawDone = true
                    case .error: sawError = true
                    default: break
                    }
                    return decoded
                }
                if finished { return nil }
                // Decoded events are not kept while waiting for more: a stream may wait minutes.
                if !pending.isEmpty {
                    pending = []
                    nextPending = 0
                }
                let chunk: [UInt8]?
                do {
                    chunk = try await source.next()
                } catch {
                    finished = true
                    throw AssistantsError(transport: error, target: stream.target)
                        .with(target: stream.target, attempts: stream.attempts, upstreamRequestID: stream.upstreamRequestID)
                }
                guard let chunk else {
                    finished = true
                    if sawDone || sawError { return nil }
                    throw AssistantsError.invalidResponse(
                        "the event stream ended before 'done'", target: stream.target, attempts: stream.attempts,
                        upstreamRequestID: stream.upstreamRequestID)
                }
                do {
                    pending = try parser.feed(chunk)
                    nextPending = 0
                } catch {
                    finish()
                    throw AssistantsError.invalidResponse(
                        "an event is larger than \(error.limit) bytes", target: stream.target, attempts: stream.attempts,
                        upstreamRequestID: stream.upstreamRequestID)
                }
            }
        }

        /// Ends iteration early and aborts the transfer.
        private mutating func finish() {
            finished = true
            pending = []
            nextPending = 0
            stream.body.cancel()
        }
    }
}

extension AssistantsClient {
    /// Sends a POST whose body asks for `stream: true`; returns once the response head says
    /// the events begin. A non-2xx answer is read whole and thrown as its `AssistantsError`.
    func stream(
        _ path: String, body: JSONObject, options: AssistantsRequestOptions
    ) async throws(AssistantsError) -> AssistantStream {
        var body = body
        body["stream"] = true
        let request = makeRequest(.post, path, query: [], body: body, options: options, streaming: true)
        let target = "POST \(path)"
        let response: UpstreamStreamingResponse
        do {
            response = try await http.stream(request)
        } catch {
            throw AssistantsError(transport: error, target: target)
        }
        guard (200..<300).contains(response.status) else {
            let bytes: [UInt8]
            do {
                bytes = try await response.body.collect(upTo: Self.maxErrorBodyBytes)
            } catch {
                throw AssistantsError(transport: error, target: target)
                    .with(target: target, attempts: response.attempts, upstreamRequestID: response.upstreamRequestID)
            }
            throw Self.apiError(
                status: response.status, body: bytes, headers: response.headers, attempts: response.attempts, target: target)
        }
        return AssistantStream(response: response, maxEventBytes: configuration.maxStreamEventBytes, target: target)
    }
}
