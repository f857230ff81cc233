import EventLoop
import HTTP1
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The upstream the client tests talk to, on the project's own HTTP/1.1 server:
///
/// - `/json`: 200 `{"ok":true}` (the server adds `X-Request-Id`: the client's, or its own).
/// - `/echo`: 200 echoing the body; each request header comes back as `x-echo-<name>`, plus
///   `x-seen-method` and `x-seen-request-id`.
/// - `/status?code=N&key=K&times=T[&retry-after=S][&retry-after-ms=M]`: the first T hits of key K
///   answer N (default 503, T = 1), later ones 200 `ok`.
/// - `/slow?ms=N`: answers after N ms; records `slow:cancelled` when the client goes away first.
/// - `/stream?n=N&delay=MS`: N chunks `chunk-i\n`, MS apart; records when the last one was written.
/// - `/stall?ms=N`: writes `first;`, then nothing for N ms (default 10 s), then `late;`.
/// - `/big?bytes=N`: N bytes of a known pattern, written as fast as the client reads.
final class PeerResponder: HTTPResponder {
    let loops: [EventLoop]
    private let events = LockedValue([String]())
    private let hits = LockedValue([String: Int]())
    /// Monotonic nanoseconds when `/stream` wrote its last chunk.
    let lastChunkWrittenAt = LockedValue(UInt64(0))

    init(loops: [EventLoop]) { self.loops = loops }

    func record(_ event: String) { events.withLock { $0.append(event) } }
    var recorded: [String] { events.withLock { $0 } }
    func hitCount(_ key: String) -> Int { hits.withLock { $0[key] ?? 0 } }

    private func currentLoop() -> EventLoop {
        guard let loop = loops.first(where: \.inLoop) else { preconditionFailure("handler off its loop") }
        return loop
    }

    func dispatch(_ request: HTTPRequest) -> HTTPDispatch {
        let query = queryParameters(request.query)
        switch request.path {
        case "/json":
            return .immediate(HTTPResponse(
                status: .ok, headers: ["Content-Type": "application/json"], bytes: Array(#"{"ok":true}"#.utf8)))
        case "/echo":
            var headers = HTTPHeaders([
                ("Content-Type", "application/octet-stream"), ("x-seen-method", request.method.rawValue),
                ("x-seen-request-id", request.requestID), ("x-seen-target", request.target),
            ])
            for field in request.headers { headers.add(name: "x-echo-\(field.name.lowercased())", value: field.value) }
            return .immediate(HTTPResponse(status: .ok, headers: headers, bytes: request.body))
        case "/status":
            let key = query["key"] ?? "default"
            let hit = hits.withLock { hits -> Int in
                hits[key, default: 0] += 1
                return hits[key]!
            }
            let times = Int(query["times"] ?? "") ?? 1
            guard hit <= times else {
                return .immediate(HTTPResponse(status: .ok, bytes: Array("ok after \(hit)".utf8)))
            }
            var headers = HTTPHeaders()
            if let seconds = query["retry-after"] { headers.add(name: "Retry-After", value: seconds) }
            if let millis = query["retry-after-ms"] { headers.add(name: "retry-after-ms", value: millis) }
            let code = Int(query["code"] ?? "") ?? 503
            return .immediate(HTTPResponse(status: HTTPStatus(code), headers: headers, bytes: Array("failure \(hit)".utf8)))
        case "/slow":
            let millis = Int(query["ms"] ?? "") ?? 1000
            return .deferred { _, _ in
                do {
                    try await self.currentLoop().sleep(for: .milliseconds(millis))
                } catch {
                    self.record("slow:cancelled")
                    return HTTPResponse(status: .serviceUnavailable, bytes: [])
                }
                return HTTPResponse(status: .ok, bytes: Array("slow done".utf8))
            }
        case "/stream":
            let count = Int(query["n"] ?? "") ?? 5
            let delay = Int(query["delay"] ?? "") ?? 0
            return .immediate(HTTPResponse(status: .ok, headers: ["Content-Type": "text/event-stream"], body: .stream { writer in
                let loop = self.currentLoop()
                for i in 0..<count {
                    if i > 0, delay > 0 { try await loop.sleep(for: .milliseconds(delay)) }
                    if i == count - 1 { self.lastChunkWrittenAt.withLock { $0 = EventLoop.monotonicNanoseconds } }
                    try await writer.write(Array("chunk-\(i)\n".utf8))
                }
            }))
        case "/stall":
            let millis = Int(query["ms"] ?? "") ?? 10_000
            return .immediate(HTTPResponse(status: .ok, body: .stream { writer in
                try await writer.write(Array("first;".utf8))
                do {
                    try await self.currentLoop().sleep(for: .milliseconds(millis))
                } catch {
                    self.record("stall:cancelled")
                    throw error
                }
                try await writer.write(Array("late;".utf8))
            }))
        case "/big":
            let total = Int(query["bytes"] ?? "") ?? 4 * 1024 * 1024
            return .immediate(HTTPResponse(status: .ok, body: .stream { writer in
                var sent = 0
                while sent < total {
                    let count = min(PatternBody.maxSlice, total - sent)
                    try await writer.write(PatternBody.bytes(at: sent, count: count))
                    sent += count
                }
                self.record("big:done")
            }))
        default:
            return .immediate(HTTPResponse(status: .notFound, bytes: Array("no route".utf8)))
        }
    }
}
