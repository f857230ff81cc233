@testable import HTTP1
import Testing

/// One valid input and what parsing it must give.
struct ValidCase: CustomTestStringConvertible, Sendable {
    let name: String
    let bytes: [UInt8]
    let expected: [ExpectedEvent]
    var testDescription: String { name }
}

/// A `ParseEvent` spelled with plain values so the cases stay `Sendable` literals.
enum ExpectedEvent: Sendable {
    case head(expectsContinue: Bool)
    case message(
        method: String, target: String, minor: Int, headers: [(String, String)], body: [UInt8], keepAlive: Bool)

    var event: ParseEvent {
        switch self {
        case .head(let expectsContinue):
            return .head(expectsContinue: expectsContinue)
        case .message(let method, let target, let minor, let headers, let body, let keepAlive):
            return .message(
                ParsedRequest(
                    method: HTTPMethod(rawValue: method), target: target, versionMinor: minor,
                    headers: HTTPHeaders(headers), body: body, keepAlive: keepAlive))
        }
    }
}

private func get(_ target: String, _ headers: [(String, String)], minor: Int = 1, keepAlive: Bool = true)
    -> ExpectedEvent
{
    .message(method: "GET", target: target, minor: minor, headers: headers, body: [], keepAlive: keepAlive)
}

let validCases: [ValidCase] = [
    ValidCase(
        name: "minimal GET",
        bytes: Array(http: "GET / HTTP/1.1\r\nHost: a\r\n\r\n"),
        expected: [get("/", [("Host", "a")])]),
    ValidCase(
        name: "GET with query and several headers",
        bytes: Array(
            http: "GET /v1/threads?limit=2&order=desc HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n"
                + "X-Request-Id: req-1\r\nAuthorization: Bearer abc.def.ghi\r\n\r\n"),
        expected: [
            get(
                "/v1/threads?limit=2&order=desc",
                [("Host", "example.com"), ("Accept", "*/*"), ("X-Request-Id", "req-1"),
                 ("Authorization", "Bearer abc.def.ghi")])
        ]),
    ValidCase(
        name: "POST with Content-Length",
        bytes: Array(
            http: "POST /v1/threads HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
                + "Content-Length: 15\r\n\r\n{\"a\":\"hello\"}\r\n"),
        expected: [
            .head(expectsContinue: false),
            .message(
                method: "POST", target: "/v1/threads", minor: 1,
                headers: [("Host", "a"), ("Content-Type", "application/json"), ("Content-Length", "15")],
                body: Array(http: "{\"a\":\"hello\"}\r\n"), keepAlive: true),
        ]),
    ValidCase(
        name: "POST with Content-Length: 0",
        bytes: Array(http: "POST /empty HTTP/1.1\r\nContent-Length: 0\r\n\r\n"),
        expected: [
            .message(
                method: "POST", target: "/empty", minor: 1, headers: [("Content-Length", "0")], body: [],
                keepAlive: true)
        ]),
    ValidCase(
        name: "chunked POST with extensions and trailers",
        bytes: Array(
            http: "POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5;name=value\r\nhello\r\n6;quoted=\"a b\";flag\r\n world\r\nA\r\n0123456789\r\n"
                + "0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n"),
        expected: [
            .head(expectsContinue: false),
            .message(
                method: "POST", target: "/upload", minor: 1,
                headers: [("Host", "a"), ("Transfer-Encoding", "chunked")],
                body: Array(http: "hello world0123456789"), keepAlive: true),
        ]),
    ValidCase(
        name: "HTTP/1.0 without keep-alive",
        bytes: Array(http: "GET /old HTTP/1.0\r\nHost: a\r\n\r\n"),
        expected: [get("/old", [("Host", "a")], minor: 0, keepAlive: false)]),
    ValidCase(
        name: "HTTP/1.0 with keep-alive",
        bytes: Array(http: "GET /old HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"),
        expected: [get("/old", [("Connection", "keep-alive")], minor: 0, keepAlive: true)]),
    ValidCase(
        name: "HTTP/1.0 POST with body",
        bytes: Array(http: "POST /form HTTP/1.0\r\nContent-Length: 3\r\n\r\na=b"),
        expected: [
            .head(expectsContinue: false),
            .message(
                method: "POST", target: "/form", minor: 0, headers: [("Content-Length", "3")],
                body: Array(http: "a=b"), keepAlive: false),
        ]),
    ValidCase(
        name: "HTTP/1.1 Connection: close",
        bytes: Array(http: "GET /bye HTTP/1.1\r\nConnection: close\r\n\r\n"),
        expected: [get("/bye", [("Connection", "close")], keepAlive: false)]),
    ValidCase(
        name: "pipelined GET and POST",
        bytes: Array(
            http: "GET /first HTTP/1.1\r\nHost: a\r\n\r\nPOST /second HTTP/1.1\r\nHost: a\r\n"
                + "Content-Length: 4\r\n\r\nbody"),
        expected: [
            get("/first", [("Host", "a")]),
            .head(expectsContinue: false),
            .message(
                method: "POST", target: "/second", minor: 1, headers: [("Host", "a"), ("Content-Length", "4")],
                body: Array(http: "body"), keepAlive: true),
        ]),
    ValidCase(
        name: "pipelined chunked POST then GET",
        bytes: Array(
            http: "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
                + "GET /after HTTP/1.1\r\n\r\n"),
        expected: [
            .head(expectsContinue: false),
            .message(
                method: "POST", target: "/c", minor: 1, headers: [("Transfer-Encoding", "chunked")],
                body: Array(http: "abc"), keepAlive: true),
            get("/after", []),
        ]),
    ValidCase(
        name: "header values with inner spaces, padding and obs-text",
        bytes: Array(http: "GET /h HTTP/1.1\r\nX-Note:   spaced   inner  value\r\nX-Empty:\r\nX-Tab:\tx\r\n")
            + [UInt8](Array(http: "X-Latin: caf")) + [0xE9] + Array(http: "\r\nX-Utf8: caf\u{E9}\r\n\r\n"),
        expected: [
            get(
                "/h",
                [("X-Note", "spaced   inner  value"), ("X-Empty", ""), ("X-Tab", "x"),
                 ("X-Latin", "caf\u{FFFD}"), ("X-Utf8", "caf\u{E9}")])
        ]),
    ValidCase(
        name: "obsolete line folding is unfolded without the line break",
        bytes: Array(http: "GET / HTTP/1.1\r\nX: a\r\n  folded\r\nY: b\r\n\r\n"),
        expected: [get("/", [("X", "a  folded"), ("Y", "b")])]),
    ValidCase(
        name: "all token characters in a header name",
        bytes: Array(http: "GET / HTTP/1.1\r\n!#$%&'*+-.^_`|~09azAZ: v\r\n\r\n"),
        expected: [get("/", [("!#$%&'*+-.^_`|~09azAZ", "v")])]),
    ValidCase(
        name: "repeated header fields keep their order",
        bytes: Array(http: "GET / HTTP/1.1\r\nAccept: a\r\nX-A: 1\r\naccept: b\r\n\r\n"),
        expected: [get("/", [("Accept", "a"), ("X-A", "1"), ("accept", "b")])]),
    ValidCase(
        name: "Expect: 100-continue with a body",
        bytes: Array(http: "PUT /up HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok"),
        expected: [
            .head(expectsContinue: true),
            .message(
                method: "PUT", target: "/up", minor: 1,
                headers: [("Expect", "100-continue"), ("Content-Length", "2")], body: Array(http: "ok"),
                keepAlive: true),
        ]),
    ValidCase(
        name: "Expect: 100-continue in HTTP/1.0 is not answered",
        bytes: Array(http: "PUT /up HTTP/1.0\r\nExpect: 100-Continue\r\nContent-Length: 2\r\n\r\nok"),
        expected: [
            .head(expectsContinue: false),
            .message(
                method: "PUT", target: "/up", minor: 0,
                headers: [("Expect", "100-Continue"), ("Content-Length", "2")], body: Array(http: "ok"),
                keepAlive: false),
        ]),
    ValidCase(
        name: "Expect: 100-continue without a body",
        bytes: Array(http: "GET /x HTTP/1.1\r\nExpect: 100-continue\r\n\r\n"),
        expected: [get("/x", [("Expect", "100-continue")])]),
    ValidCase(
        name: "other methods",
        bytes: Array(
            http: "HEAD /a HTTP/1.1\r\n\r\nDELETE /b HTTP/1.1\r\n\r\nOPTIONS * HTTP/1.1\r\n\r\n"
                + "PATCH /c HTTP/1.1\r\nContent-Length: 1\r\n\r\nx" + "PROPFIND /d HTTP/1.1\r\n\r\n"),
        expected: [
            .message(method: "HEAD", target: "/a", minor: 1, headers: [], body: [], keepAlive: true),
            .message(method: "DELETE", target: "/b", minor: 1, headers: [], body: [], keepAlive: true),
            .message(method: "OPTIONS", target: "*", minor: 1, headers: [], body: [], keepAlive: true),
            .head(expectsContinue: false),
            .message(
                method: "PATCH", target: "/c", minor: 1, headers: [("Content-Length", "1")], body: [0x78],
                keepAlive: true),
            .message(method: "PROPFIND", target: "/d", minor: 1, headers: [], body: [], keepAlive: true),
        ]),
    ValidCase(
        name: "binary body bytes",
        bytes: Array(http: "POST /bin HTTP/1.1\r\nContent-Length: 6\r\n\r\n") + [0, 13, 10, 255, 128, 0],
        expected: [
            .head(expectsContinue: false),
            .message(
                method: "POST", target: "/bin", minor: 1, headers: [("Content-Length", "6")],
                body: [0, 13, 10, 255, 128, 0], keepAlive: true),
        ]),
]

@Suite struct RequestParserValidTests {
    @Test(arguments: validCases)
    func wholeInputGivesTheExpectedRequests(_ valid: ValidCase) {
        let events = replay([valid.bytes])
        let expected = valid.expected.map(\.event)
        #expect(events == expected, "got \(events)")
    }

    @Test(arguments: validCases)
    func everySplitGivesTheSameRequests(_ valid: ValidCase) {
        let expected = valid.expected.map(\.event)
        for (label, pieces) in splits(of: valid.bytes) {
            let events = replay(pieces)
            #expect(events == expected, "\(label): \(events)")
            if events != expected { break }
        }
    }

    @Test(arguments: validCases)
    func threeWaySplitsGiveTheSameRequests(_ valid: ValidCase) {
        let expected = valid.expected.map(\.event)
        let bytes = valid.bytes
        guard bytes.count >= 3 else { return }
        let step = max(1, bytes.count / 12)
        for first in stride(from: 1, to: bytes.count - 1, by: step) {
            for second in stride(from: first + 1, to: bytes.count, by: step) {
                let pieces = [Array(bytes[..<first]), Array(bytes[first..<second]), Array(bytes[second...])]
                let events = replay(pieces)
                #expect(events == expected, "cuts \(first), \(second): \(events)")
                if events != expected { return }
            }
        }
    }

    @Test func allValidCasesBackToBackParseAsOneStream() {
        // Only keep-alive requests may be followed by another one.
        let alive = validCases.filter { valid in
            valid.expected.allSatisfy { if case .message(_, _, _, _, _, let keepAlive) = $0 { keepAlive } else { true } }
        }
        let stream = alive.flatMap(\.bytes)
        let expected = alive.flatMap { $0.expected.map(\.event) }
        #expect(replay([stream]) == expected)
        #expect(replay(stream.map { [$0] }) == expected)
    }

    @Test func limitsExactlyAtTheBoundaryAreAccepted() {
        let limits = HTTPLimits(maxRequestTargetBytes: 8, maxHeaderBytes: 1024, maxHeaderCount: 2, maxBodyBytes: 4)
        let bytes = Array(http: "POST /1234567 HTTP/1.1\r\nA: 1\r\nContent-Length: 4\r\n\r\nabcd")
        for (label, pieces) in splits(of: bytes) {
            let events = replay(pieces, limits: limits)
            #expect(events.last?.request?.body == Array(http: "abcd"), "\(label): \(events)")
        }
        let chunked = Array(http: "POST /1234567 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n")
        for (label, pieces) in splits(of: chunked) {
            let events = replay(pieces, limits: limits)
            #expect(events.last?.request?.body == Array(http: "abcd"), "\(label): \(events)")
        }
    }

    @Test func trailersAreNotMergedIntoTheHeaders() {
        // RFC 9110 §6.5.1: a trailer field must not be treated as a header field.
        let bytes = Array(
            http: "POST /t HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n"
                + "X-Request-Id: from-trailer\r\nAuthorization: Bearer smuggled\r\n\r\n")
        let request = replay([bytes]).last?.request
        #expect(request?.body == [0x78])
        #expect(request?.headers["authorization"] == nil)
        #expect(request?.headers["x-request-id"] == nil)
        #expect(request?.headers.count == 1)
    }

    @Test func feedAfterAMessageStartsTheNextOne() {
        let parser = RequestParser(limits: HTTPLimits())
        #expect(parser.phase == .idle)
        let first = Array(http: "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n")
        first.withUnsafeBytes { raw in
            let (consumed, outcome) = parser.feed(raw)
            #expect(consumed == 19)
            #expect(outcome == .message(ParsedRequest(method: .get, target: "/a", versionMinor: 1, headers: [:], body: [], keepAlive: true)))
            #expect(parser.phase == .idle)
            #expect(!parser.isMidMessage)
            let rest = UnsafeRawBufferPointer(rebasing: raw[consumed...])
            let (consumed2, outcome2) = parser.feed(rest)
            #expect(consumed2 == rest.count)
            #expect(outcome2.request?.target == "/b")
        }
        let partial = Array(http: "GET /c HT")
        partial.withUnsafeBytes { raw in
            #expect(parser.feed(raw) == (partial.count, .needMore))
            #expect(parser.isMidMessage)
        }
        [UInt8]().withUnsafeBytes { raw in
            #expect(parser.feed(raw) == (0, .needMore))
        }
    }
}

extension RequestParser.Outcome {
    var request: ParsedRequest? {
        if case .message(let request) = self { return request }
        return nil
    }
}
