import EventLoop
import HTTP1
import JSON

/// Server-sent events of a run (notes §7): `event: <name>\ndata: <json>\n\n` as they become
/// due, following the run's real timing, ending with `event: done\ndata: [DONE]`.
enum EventStream {
    static let headers: HTTPHeaders = [
        "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache",
    ]
    /// Longest sleep between looks at the run, so a cancel shows up promptly.
    static let maxWait: Int64 = 50

    static func encode(_ events: [StreamEvent]) -> [UInt8] {
        var bytes: [UInt8] = []
        for event in events {
            bytes.append(contentsOf: "event: \(event.name)\ndata: ".utf8)
            event.data.serialize(into: &bytes)
            bytes.append(contentsOf: "\n\n".utf8)
        }
        return bytes
    }

    static let done: [UInt8] = Array("event: done\ndata: [DONE]\n\n".utf8)

    /// The streamed response for `start` (whose `stream` flag was set).
    static func response(engine: SimulatorEngine, start: RunStart) -> HTTPResponse {
        HTTPResponse(
            status: .ok, headers: headers,
            body: .stream { writer in
                try await pump(engine: engine, threadID: start.threadID, runID: start.runID, from: start.eventIndex, to: writer)
            })
    }

    /// Writes the run's events from `index` until it settles, then `done`; always releases
    /// the run's event log.
    static func pump(
        engine: SimulatorEngine, threadID: String, runID: String, from index: Int, to writer: any HTTPBodyWriter
    ) async throws {
        do {
            var next = index
            while true {
                let from = next
                let batch = try await engine.perform { state, now throws(SimulatorError) in
                    try state.readEvents(threadID: threadID, runID: runID, from: from, now: now)
                }
                next = batch.nextIndex
                var bytes = encode(batch.events)
                if batch.finished { bytes += done }
                if !bytes.isEmpty { try await writer.write(bytes) }
                if batch.finished { break }
                let now = engine.now()
                let wait = max(1, min(maxWait, (batch.nextDeadline ?? now + maxWait) - now))
                try await engine.loop.sleep(for: .milliseconds(wait))
            }
        } catch {
            await engine.update { state, _ in state.endStream(threadID: threadID, runID: runID) }
            throw error
        }
        await engine.update { state, _ in state.endStream(threadID: threadID, runID: runID) }
    }
}
