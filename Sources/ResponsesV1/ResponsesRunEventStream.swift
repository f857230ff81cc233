import EventLoop
import JSON
import UpstreamAPI
import UpstreamHTTP

/// One streamed response of a run, read as ``RunStreamEvent``s the way the polling path
/// would see the run.
///
/// - Lifecycle events (`response.created` … `response.incomplete`) become `.run` through
///   ``RunView`` — on each status change, and always for the terminal event, after which the
///   stream ends. The status is the event's (a response that completes with function calls
///   and no message is `requires_action`); in a later tool round the run is still the chain's
///   first response.
/// - `response.output_text.delta` becomes `.messageDelta`, `response.output_item.done` of a
///   message `.messageCompleted` in `MessageMapping`'s shape (its `created_at` is the
///   conversation's, from ``ConversationTimes`` or read once); an `error` event is thrown; the
///   rest is skipped.
/// - When the stream breaks before the terminal event it reconnects with `GET
///   /responses/{id}?stream=true&starting_after=<last sequence_number>`, at most
///   `streamResumes` times, and skips events it delivered already. A stream that ends cleanly
///   without a terminal event (a cancelled response's does) is first checked with one `GET
///   /responses/{id}`. Only when that fails too does `next()` throw, so the caller can poll.
final class ResponsesRunEventStream: RunEventStream, @unchecked Sendable {  // one reader task at a time (protocol contract); `shared` is locked
    private let transport: ResponsesTransport
    private let conversationTimes: ConversationTimes
    private let threadID: String
    private let requestID: String?
    /// The chain's first response when this stream is a later tool round; nil when the
    /// streamed response is the run's first.
    private let chainFirst: JSONObject?

    // The current connection: its body, the parser of its events and those parsed but not read.
    private var source: UpstreamBody.Iterator?
    private var parser: ServerSentEventParser
    private var parsed: [ServerSentEvent] = []
    private var nextParsed = 0

    /// Events read ahead (to learn the response id) and not delivered yet.
    private var lookahead: [ResponseStreamEvent] = []
    /// The streamed response's id, from its first lifecycle event.
    private(set) var responseID: String?
    private var latest: JSONObject?
    private var lastSequenceNumber: Int?
    private var lastStatus: RunState?
    private var pollAfter: Duration?
    private var resumesLeft: Int
    private var ended = false
    /// What `cancel()` touches from any thread: the flag, and the body to stop.
    private let shared = LockedValue<(cancelled: Bool, body: UpstreamBody?)>((false, nil))

    init(
        transport: ResponsesTransport, conversationTimes: ConversationTimes, threadID: String, requestID: String?,
        chainFirst: JSONObject?, response: UpstreamStreamingResponse
    ) {
        self.transport = transport
        self.conversationTimes = conversationTimes
        self.threadID = threadID
        self.requestID = requestID
        self.chainFirst = chainFirst
        resumesLeft = transport.configuration.streamResumes
        parser = ServerSentEventParser(maxEventBytes: transport.configuration.maxStreamEventBytes)
        attach(response)
    }

    func next() async throws(UpstreamAPIError) -> RunStreamEvent? {
        while !ended {
            let event = lookahead.isEmpty ? try await nextEvent() : lookahead.removeFirst()
            if let mapped = try await map(event) { return mapped }
        }
        return nil
    }

    func cancel() {
        let body = shared.withLock { state -> UpstreamBody? in
            state.cancelled = true
            return state.body
        }
        body?.cancel()
    }

    /// Reads ahead to the first event that names the streamed response and returns its id;
    /// the events read stay to be delivered.
    func streamedResponseID() async throws(UpstreamAPIError) -> String {
        while true {
            if let responseID { return responseID }
            let event = try await nextEvent()
            if let error = event.error { throw error }
            lookahead.append(event)
        }
    }

    // MARK: Mapping

    private func map(_ event: ResponseStreamEvent) async throws(UpstreamAPIError) -> RunStreamEvent? {
        if let error = event.error {
            finish()
            throw error
        }
        if let status = event.status, var response = event.response {
            // The event's status, not a snapshot's that may already read further.
            response["status"] = .string(status)
            latest = response
            let run = RunView(first: chainFirst ?? response, latest: response, pollAfter: pollAfter).upstreamRun
            if event.isTerminal {
                finish()
                return .run(run)
            }
            guard run.status != lastStatus else { return nil }
            lastStatus = run.status
            return .run(run)
        }
        switch event.type {
        case "response.output_text.delta":
            guard let itemID = event.data["item_id"]?.stringValue, let text = event.data["delta"]?.stringValue, !text.isEmpty else {
                return nil
            }
            return .messageDelta(messageID: itemID, text: text)
        case "response.output_item.done":
            guard let item = event.data["item"]?.objectValue, MessageMapping.isMessage(item) else { return nil }
            let first = chainFirst ?? latest
            return .messageCompleted(
                MessageMapping.message(
                    fromItem: item, threadID: threadID, createdAt: try await createdAt(),
                    runID: first?["id"]?.stringValue ?? responseID, assistantID: first.flatMap { RunTag(response: $0) }?.assistantID))
        default:
            return nil
        }
    }

    /// The conversation's `created_at`, which `listMessages` gives every message: known when
    /// this dialect instance created or read the conversation, else read once.
    private func createdAt() async throws(UpstreamAPIError) -> JSONValue {
        if let known = conversationTimes.createdAt(of: threadID) { return known }
        let conversation = try await transport.send(.get, ResponsesDialect.conversationPath(threadID), requestID: requestID).object
        conversationTimes.remember(conversation)
        return conversation["created_at"] ?? .null
    }

    /// The stream is over: no more reading, and the transfer is let go.
    private func finish() {
        ended = true
        detach()
    }

    // MARK: Reading and resuming

    /// The next event not delivered before, reconnecting when the stream breaks.
    private func nextEvent() async throws(UpstreamAPIError) -> ResponseStreamEvent {
        while true {
            switch await read() {
            case .event(let raw):
                let event = try ResponseStreamEvent(raw)
                if let number = event.sequenceNumber {
                    if let last = lastSequenceNumber, number <= last { continue }  // delivered before a resume
                    lastSequenceNumber = number
                }
                if responseID == nil, let id = event.response?["id"]?.stringValue { responseID = id }
                return event
            case .ended:
                try checkNotCancelled()
                if let snapshot = try await endedResponse() { return ResponseStreamEvent(snapshot: snapshot) }
                try await resume(after: ResponsesTransport.invalid("the response's event stream ended before the response did"))
            case .broken(let error):
                try checkNotCancelled()
                guard error.kind != .cancelled else { throw error }
                try await resume(after: error)
            case .failed(let error):
                finish()
                throw error
            }
        }
    }

    private enum Read {
        case event(ServerSentEvent)
        /// The body ended cleanly.
        case ended
        /// The transfer failed.
        case broken(UpstreamAPIError)
        /// The body is not an event stream the dialect can read.
        case failed(UpstreamAPIError)
    }

    private func read() async -> Read {
        while true {
            if nextParsed < parsed.count {
                nextParsed += 1
                return .event(parsed[nextParsed - 1])
            }
            guard source != nil else { return .broken(ResponsesTransport.invalid("the stream is not connected")) }
            // Delivered events are not kept while waiting for more: a stream may wait minutes.
            if !parsed.isEmpty {
                parsed = []
                nextParsed = 0
            }
            let chunk: [UInt8]?
            do {
                chunk = try await source!.next()
            } catch {
                detach()
                return .broken(ResponsesTransport.translate(error))
            }
            guard let chunk else {
                detach()
                return .ended
            }
            do {
                parsed = try parser.feed(chunk)
                nextParsed = 0
            } catch {
                return .failed(ResponsesTransport.invalid("an event of the response's stream is larger than \(error.limit) bytes"))
            }
        }
    }

    /// The streamed response when it already ended (one `GET /responses/{id}`); nil while it
    /// goes on, or when that could not be read (then resuming decides).
    private func endedResponse() async throws(UpstreamAPIError) -> JSONObject? {
        guard let responseID else { throw ResponsesTransport.invalid("the response's event stream ended before naming the response") }
        guard let reply = try? await transport.send(.get, ResponsesDialect.responsePath(responseID), requestID: requestID) else {
            return nil
        }
        let status = reply.object["status"]?.stringValue
        return status == "queued" || status == "in_progress" || status == nil ? nil : reply.object
    }

    /// Reconnects after the last event delivered, or throws `error` when that is not possible
    /// (no response id yet, no resumes left, or every reconnection failed).
    private func resume(after error: UpstreamAPIError) async throws(UpstreamAPIError) {
        detach()
        var failure = error
        while true {
            guard let responseID, resumesLeft > 0 else { throw failure }
            resumesLeft -= 1
            do {
                try await Task.sleep(for: transport.configuration.streamResumeDelay)
            } catch {
                throw UpstreamAPIError(kind: .cancelled, message: "the task reading the stream was cancelled")
            }
            try checkNotCancelled()
            var query = [("stream", "true")]
            if let lastSequenceNumber { query.append(("starting_after", String(lastSequenceNumber))) }
            do {
                attach(try await transport.stream(.get, ResponsesDialect.responsePath(responseID), query: query, requestID: requestID))
                try checkNotCancelled()
                return
            } catch {
                if error.kind == .cancelled || (error.kind == .rejected && error.status.map { $0 < 500 && $0 != 429 } == true) {
                    throw error
                }
                failure = error
            }
        }
    }

    private func attach(_ response: UpstreamStreamingResponse) {
        if let millis = response.headers["openai-poll-after-ms"].flatMap({ Int($0) }), millis >= 0 { pollAfter = .milliseconds(millis) }
        source = response.body.makeAsyncIterator()
        parser = ServerSentEventParser(maxEventBytes: transport.configuration.maxStreamEventBytes)
        parsed = []
        nextParsed = 0
        shared.withLock { $0.body = response.body }
    }

    /// Lets the current connection go (aborting its transfer if it still runs).
    private func detach() {
        let body = shared.withLock { state -> UpstreamBody? in
            defer { state.body = nil }
            return state.body
        }
        body?.cancel()
        source = nil
        parsed = []
        nextParsed = 0
    }

    /// Throws `cancelled` once `cancel()` was called (and stops the connection attached since).
    private func checkNotCancelled() throws(UpstreamAPIError) {
        let (cancelled, body) = shared.withLock { ($0.cancelled, $0.body) }
        guard cancelled else { return }
        body?.cancel()
        ended = true
        throw UpstreamAPIError(kind: .cancelled, message: "the run's stream was cancelled")
    }
}
