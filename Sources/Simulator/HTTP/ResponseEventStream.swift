import EventLoop
import HTTP1
import JSON

/// Server-sent events of a response: `event: <type>\ndata: <json with sequence_number>\n\n`
/// as they become due, ending when the response ends. The Responses API sends no `[DONE]`.
enum ResponseEventStream {
    /// The streamed response of `responseID` from sequence number `index`.
    static func response(engine: SimulatorEngine, responseID: String, from index: Int) -> HTTPResponse {
        HTTPResponse(
            status: .ok, headers: EventStream.headers,
            body: .stream { writer in
                try await pump(engine: engine, responseID: responseID, from: index, to: writer)
            })
    }

    static func pump(engine: SimulatorEngine, responseID: String, from index: Int, to writer: any HTTPBodyWriter) async throws {
        var next = index
        while true {
            let from = next
            let batch = try await engine.perform { state, now throws(SimulatorError) in
                try state.readResponseEvents(responseID, from: from, now: now)
            }
            next = batch.nextIndex
            let bytes = EventStream.encode(batch.events)
            if !bytes.isEmpty { try await writer.write(bytes) }
            if batch.finished { return }
            let now = engine.now()
            let wait = max(1, min(EventStream.maxWait, (batch.nextDeadline ?? now + EventStream.maxWait) - now))
            try await engine.loop.sleep(for: .milliseconds(wait))
        }
    }

    /// Waits on the loop until `responseID` ended (a foreground response), then its JSON.
    static func awaitEnd(engine: SimulatorEngine, responseID: String) async throws -> JSONValue {
        while true {
            let snapshot = try await engine.perform { state, now throws(SimulatorError) in
                try state.response(responseID, now: now)
            }
            if snapshot.isTerminal { return snapshot.json }
            let now = engine.now()
            let wait = max(1, min(EventStream.maxWait, (snapshot.nextDeadline ?? now + EventStream.maxWait) - now))
            try await engine.loop.sleep(for: .milliseconds(wait))
        }
    }
}
