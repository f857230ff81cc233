import HTTP1
import HTTPRouting
import JSON

let testContext = HTTPRequestContext(remoteAddress: "127.0.0.1:50000", receivedAtNanos: 42)

func request(_ method: HTTPMethod, _ target: String, body: String = "", headers: HTTPHeaders = [:]) -> HTTPRequest {
    HTTPRequest(method: method, target: target, headers: headers, body: Array(body.utf8), requestID: "req_test")
}

extension Router {
    /// Answers `method target` through dispatch, running deferred work.
    func respond(_ method: HTTPMethod, _ target: String, body: String = "") async -> HTTPResponse {
        await respond(to: request(method, target, body: body), context: testContext)
    }

    /// Whether the route for `method target` is answered inline.
    func isImmediate(_ method: HTTPMethod, _ target: String) -> Bool {
        switch dispatch(request(method, target)) {
        case .immediate: true
        case .deferred: false
        }
    }
}

extension HTTPResponse {
    var bodyBytes: [UInt8] {
        switch body {
        case .bytes(let bytes): bytes
        case .stream, .later: []
        }
    }

    var bodyText: String { String(decoding: bodyBytes, as: UTF8.self) }

    /// The body parsed as JSON, or `.null` when it does not parse.
    var bodyJSON: JSONValue { (try? JSONValue(parsing: bodyBytes)) ?? .null }
}

/// A plain-text response naming what answered, for matching tests.
func text(_ value: String) -> HTTPResponse {
    HTTPResponse(status: .ok, bytes: Array(value.utf8))
}

struct Boom: Error {}
