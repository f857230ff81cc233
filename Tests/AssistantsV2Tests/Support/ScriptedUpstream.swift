import EventLoop
import HTTP1

/// A tiny upstream on the project's HTTP server that records every request and answers:
///
/// - `GET /v1/threads/{id}` (any id): a fixed thread object.
/// - `POST /v1/threads/t1/runs`: a stream chosen by the `x-script` request header:
///   `split` (a whole run in 3-byte writes, CRLF line ends, comments), `truncated` (no `done`),
///   `error` (an `error` event, then the end), `json` (a 200 JSON body instead of events).
final class ScriptedUpstream: HTTPResponder {
    let loop: EventLoop
    private let recorded = LockedValue([HTTPRequest]())

    init(loop: EventLoop) { self.loop = loop }

    var requests: [HTTPRequest] { recorded.withLock { $0 } }

    static let thread = #"{"id":"thread_rec","object":"thread","created_at":1,"metadata":{},"extra":true}"#

    static let splitStream =
        ": stream opened\r\n\r\n"
        + "event: thread.run.created\r\ndata: {\"id\":\"run_1\",\"status\":\"queued\"}\r\n\r\n"
        + "event: thread.message.delta\r\ndata: {\"id\":\"msg_1\",\"delta\":{\"content\":[{\"index\":0,\"type\":\"text\",\"text\":{\"value\":\"Hé\"}}]}}\r\n\r\n"
        + ": ping\r\n"
        + "event: thread.message.delta\r\ndata: {\"id\":\"msg_1\",\"delta\":{\"content\":[{\"index\":0,\"type\":\"text\",\"text\":{\"value\":\"llo ✓\"}}]}}\r\n\r\n"
        + "event: thread.future.thing\r\ndata: whatever\r\n\r\n"
        + "event: thread.run.completed\r\ndata: {\"id\":\"run_1\",\"status\":\"completed\"}\r\n\r\n"
        + "event: done\r\ndata: [DONE]\r\n\r\n"

    func dispatch(_ request: HTTPRequest) -> HTTPDispatch {
        recorded.withLock { $0.append(request) }
        if request.method == .get, request.path.hasPrefix("/v1/threads/") {
            return .immediate(HTTPResponse(status: .ok, headers: ["Content-Type": "application/json"], bytes: Array(Self.thread.utf8)))
        }
        guard request.method == .post, request.path == "/v1/threads/t1/runs" else {
            return .immediate(HTTPResponse(
                status: .notFound, headers: ["Content-Type": "application/json"],
                bytes: Array(#"{"error":{"message":"nope","type":"invalid_request_error","param":null,"code":null}}"#.utf8)))
        }
        let text: String
        switch request.headers["x-script"] ?? "" {
        case "split": text = Self.splitStream
        case "truncated": text = "event: thread.run.created\ndata: {\"id\":\"run_1\",\"status\":\"queued\"}\n\n"
        case "error":
            text = "event: thread.run.created\ndata: {\"id\":\"run_1\",\"status\":\"queued\"}\n\n"
                + "event: error\ndata: {\"code\":\"server_error\",\"message\":\"Sorry, something broke.\",\"param\":null,\"type\":\"server_error\"}\n\n"
        default:
            return .immediate(HTTPResponse(status: .ok, headers: ["Content-Type": "application/json"], bytes: Array(#"{"id":"run_1"}"#.utf8)))
        }
        let bytes = Array(text.utf8)
        let loop = loop
        return .immediate(HTTPResponse(status: .ok, headers: ["Content-Type": "text/event-stream"], body: .stream { writer in
            var offset = 0
            while offset < bytes.count {
                let end = min(bytes.count, offset + 3)
                try await writer.write(Array(bytes[offset..<end]))
                offset = end
                if offset % 60 == 0 { try await loop.sleep(for: .milliseconds(1)) }
            }
        }))
    }
}
