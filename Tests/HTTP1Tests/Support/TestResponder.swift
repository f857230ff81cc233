import EventLoop
@testable import HTTP1
import TestSupport

/// A weak reference that may cross to the loop's tasks.
final class WeakConnection: @unchecked Sendable {  // written once on the loop, read on the loop
    weak var value: HTTPServerConnection?
}

/// What the 8 MB streaming route observed.
struct StreamProbe: Sendable {
    var produced = 0
    var maxPendingWriteBytes = 0
    var finished = false
    var failed = false
}

/// Routes for the socket tests:
///
/// - `/echo`: immediate; echoes the body and reports method, target, version and request id.
/// - `/text`: immediate; a fixed 11-byte body (for HEAD).
/// - `/empty`: immediate 204.
/// - `/deferred?ms=N`: sleeps N ms on the loop (default 50), then answers.
/// - `/stream?n=N`: streams N chunks `chunk-i;` (default 5), with empty writes between them.
/// - `/deferred-stream?n=N`: a deferred handler returning a streamed response.
/// - `/fail-stream`: streams two chunks, then throws.
/// - `/leaky-stream`: lets its writer escape and writes again 30 ms after returning.
/// - `/wait`: sleeps until cancelled and records `wait:started` / `wait:cancelled`.
/// - `/later?ms=N`: a deferred handler returning a later response: its work sleeps N ms on
///   the loop (default 20; records `later:started`, `later:cancelled`); two finishers mark
///   `X-Finished` in order.
/// - `/later-fail`: a later response whose work throws (no finisher answers it).
/// - `/big?bytes=N`: streams N bytes (default 8 MB) in 64 KB writes, sampling the
///   connection's pending write bytes.
final class TestResponder: HTTPResponder {
    let loops: [EventLoop]
    private let events = LockedValue([String]())
    private let probe = LockedValue(StreamProbe())

    init(loops: [EventLoop]) { self.loops = loops }

    /// The loop the caller runs on (handlers run on their connection's loop).
    func currentLoop() -> EventLoop {
        guard let loop = loops.first(where: \.inLoop) else { preconditionFailure("handler off its loop") }
        return loop
    }

    func record(_ event: String) { events.withLock { $0.append(event) } }
    var recorded: [String] { events.withLock { $0 } }
    var streamProbe: StreamProbe { probe.withLock { $0 } }

    func dispatch(_ request: HTTPRequest) -> HTTPDispatch {
        let query = queryParameters(request.query)
        switch request.path {
        case "/echo":
            let headers = HTTPHeaders([
                ("Content-Type", "application/octet-stream"), ("X-Method", request.method.rawValue),
                ("X-Target", request.target), ("X-Version", "1.\(request.versionMinor)"),
                ("X-Seen-Request-Id", request.requestID), ("X-On-Loop", "\(loops.contains(where: \.inLoop))"),
            ])
            return .immediate(HTTPResponse(status: .ok, headers: headers, bytes: request.body))
        case "/text":
            return .immediate(HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain"], bytes: Array("hello world".utf8)))
        case "/empty":
            return .immediate(HTTPResponse(status: .noContent, bytes: []))
        case "/deferred":
            let millis = Int(query["ms"] ?? "") ?? 50
            return .deferred { request, context in
                let loop = self.currentLoop()
                self.record("deferred:start:\(request.target)")
                do {
                    try await loop.sleep(for: .milliseconds(millis))
                } catch {
                    self.record("deferred:cancelled:\(request.target)")
                    return HTTPResponse(status: .serviceUnavailable, bytes: [])
                }
                let body = "deferred \(request.target) on loop \(loop.inLoop) from \(context.remoteAddress.hasPrefix("127.0.0.1:"))"
                return HTTPResponse(status: .ok, headers: ["X-Target": request.target], bytes: Array(body.utf8))
            }
        case "/stream":
            return .immediate(Self.chunks(Int(query["n"] ?? "") ?? 5))
        case "/deferred-stream":
            let count = Int(query["n"] ?? "") ?? 5
            return .deferred { _, _ in
                try? await self.currentLoop().sleep(for: .milliseconds(5))
                return Self.chunks(count)
            }
        case "/fail-stream":
            struct Broken: Error {}
            return .immediate(
                HTTPResponse(status: .ok, body: .stream { writer in
                    try await writer.write(Array("first;".utf8))
                    try await writer.write(Array("second;".utf8))
                    throw Broken()
                }))
        case "/leaky-stream":
            // Misuse: the producer lets its writer escape and writes after returning.
            return .immediate(
                HTTPResponse(status: .ok, body: .stream { writer in
                    try await writer.write(Array("in time;".utf8))
                    let loop = self.currentLoop()
                    Task(executorPreference: loop) {
                        try? await loop.sleep(for: .milliseconds(30))
                        do {
                            try await writer.write(Array("TOO LATE".utf8))
                            self.record("leaky:written")
                        } catch {
                            self.record("leaky:refused")
                        }
                    }
                }))
        case "/wait":
            return .deferred { _, _ in
                let loop = self.currentLoop()
                self.record("wait:started")
                do {
                    try await loop.sleep(for: .seconds(30))
                    self.record("wait:finished")
                } catch is CancellationError {
                    self.record("wait:cancelled:onLoop=\(loop.inLoop)")
                } catch {
                    self.record("wait:error:\(error)")
                }
                return HTTPResponse(status: .ok, bytes: Array("waited".utf8))
            }
        case "/later":
            let millis = Int(query["ms"] ?? "") ?? 20
            return .deferred { request, _ in
                var response = HTTPResponse.later {
                    let loop = self.currentLoop()
                    self.record("later:started")
                    do {
                        try await loop.sleep(for: .milliseconds(millis))
                    } catch {
                        self.record("later:cancelled:onLoop=\(loop.inLoop)")
                        throw error
                    }
                    return HTTPResponse(status: .ok, headers: ["X-Finished": ""], bytes: Array("later \(request.target)".utf8))
                }
                for mark in ["1", "2"] {
                    response.whenKnown { outcome in
                        outcome.map { response in
                            var response = response
                            let before = response.headers["x-finished"] ?? ""
                            response.headers.remove(name: "x-finished")
                            response.headers.add(name: "X-Finished", value: before.isEmpty ? mark : before + "," + mark)
                            return response
                        }
                    }
                }
                return response
            }
        case "/later-fail":
            struct Failed: Error {}
            return .immediate(.later { throw Failed() })
        case "/big":
            return .immediate(big(total: Int(query["bytes"] ?? "") ?? 8 * 1024 * 1024))
        default:
            return .immediate(HTTPResponse(status: .notFound, bytes: Array("no route".utf8)))
        }
    }

    /// `count` chunks `chunk-i;`, with an empty write between each (which must not end the body).
    static func chunks(_ count: Int) -> HTTPResponse {
        HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain"], body: .stream { writer in
            for i in 0..<count {
                try await writer.write(Array("chunk-\(i);".utf8))
                try await writer.write([])
            }
        })
    }

    private func big(total: Int) -> HTTPResponse {
        probe.withLock { $0 = StreamProbe() }
        return HTTPResponse(status: .ok, body: .stream { writer in
            let loop = self.currentLoop()
            // Reach the connection behind the writer to watch its socket's write queue.
            let connection = WeakConnection()
            connection.value = Mirror(reflecting: writer).descendant("connection") as? HTTPServerConnection
            let probe = self.probe
            func sample() {
                let pending = connection.value?.pendingWriteBytes ?? 0
                probe.withLock { $0.maxPendingWriteBytes = max($0.maxPendingWriteBytes, pending) }
            }
            let sampler = Task(executorPreference: loop) {
                while !Task.isCancelled {
                    sample()
                    try? await loop.sleep(for: .milliseconds(2))
                }
            }
            defer { sampler.cancel() }
            if connection.value == nil { self.record("big:no-connection") }
            var sent = 0
            do {
                while sent < total {
                    let count = min(PatternBody.maxSlice, total - sent)
                    try await writer.write(PatternBody.bytes(at: sent, count: count))
                    sent += count
                    sample()
                    probe.withLock { $0.produced = sent }
                }
            } catch {
                probe.withLock { $0.failed = true }
                throw error
            }
            probe.withLock { $0.finished = true }
        })
    }
}

