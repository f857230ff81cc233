@testable import HTTP1
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The head's lines without the trailing empty line; checks the CRLF framing on the way.
private func lines(_ head: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
    #expect(head.suffix(4) == [13, 10, 13, 10], sourceLocation: sourceLocation)
    var result: [String] = []
    var current: [UInt8] = []
    var index = 0
    let body = head.dropLast(4)
    while index < body.count {
        let byte = body[index]
        if byte == 13, index + 1 < body.count, body[index + 1] == 10 {
            result.append(String(decoding: current, as: UTF8.self))
            current = []
            index += 2
            continue
        }
        #expect(byte != 13 && byte != 10, "bare CR or LF at \(index)", sourceLocation: sourceLocation)
        current.append(byte)
        index += 1
    }
    result.append(String(decoding: current, as: UTF8.self))
    return result
}

/// Header lines of a head, as (lowercased name, value).
private func fields(_ lines: [String]) -> [(String, String)] {
    lines.dropFirst().map { line in
        let colon = line.firstIndex(of: ":")!
        return (line[..<colon].lowercased(), String(line[line.index(after: colon)...].dropFirst()))
    }
}

private func values(_ name: String, in lines: [String]) -> [String] {
    fields(lines).filter { $0.0 == name }.map(\.1)
}

/// True when `date` looks like `Sun, 06 Nov 1994 08:49:37 GMT`.
func isIMFFixdate(_ date: String) -> Bool {
    let b = Array(date.utf8)
    guard b.count == 29, date.hasSuffix(" GMT") else { return false }
    let days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    let digit: (Int) -> Bool = { b[$0] >= 0x30 && b[$0] <= 0x39 }
    return days.contains(String(decoding: b[0..<3], as: UTF8.self)) && b[3] == 0x2C && b[4] == 0x20
        && digit(5) && digit(6) && b[7] == 0x20
        && months.contains(String(decoding: b[8..<11], as: UTF8.self)) && b[11] == 0x20
        && (12..<16).allSatisfy(digit) && b[16] == 0x20
        && digit(17) && digit(18) && b[19] == 0x3A && digit(20) && digit(21) && b[22] == 0x3A && digit(23) && digit(24)
}

@Suite struct ResponseEncoderTests {
    @Test func bytesResponseHead() {
        var encoder = ResponseEncoder()
        let response = HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain"], bytes: Array("hello".utf8))
        let head = lines(encoder.head(for: response, requestID: "req-1", versionMinor: 1, keepAlive: true, contentLength: 5))
        #expect(head.first == "HTTP/1.1 200 OK")
        #expect(head.count == 5)
        #expect(head[1].hasPrefix("Date: "))
        #expect(isIMFFixdate(String(head[1].dropFirst(6))))
        #expect(head[2...] == ["Content-Length: 5", "X-Request-Id: req-1", "Content-Type: text/plain"])
        #expect(values("connection", in: head).isEmpty)
        #expect(values("transfer-encoding", in: head).isEmpty)
    }

    @Test func streamResponseIsChunkedInHTTP11() {
        var encoder = ResponseEncoder()
        let response = HTTPResponse(status: .ok, body: .stream { _ in })
        let head = lines(encoder.head(for: response, requestID: "r", versionMinor: 1, keepAlive: true, contentLength: nil))
        #expect(values("transfer-encoding", in: head) == ["chunked"])
        #expect(values("content-length", in: head).isEmpty)
        #expect(values("connection", in: head).isEmpty)
    }

    @Test func streamResponseInHTTP10HasNoFramingAndCloses() {
        var encoder = ResponseEncoder()
        let response = HTTPResponse(status: .ok, body: .stream { _ in })
        let head = lines(encoder.head(for: response, requestID: "r", versionMinor: 0, keepAlive: false, contentLength: nil))
        #expect(head.first == "HTTP/1.0 200 OK")
        #expect(values("transfer-encoding", in: head).isEmpty)
        #expect(values("content-length", in: head).isEmpty)
        #expect(values("connection", in: head) == ["close"])
    }

    @Test func headResponseKeepsTheContentLengthOfTheBody() {
        // For HEAD the connection passes the real length and then skips the body bytes.
        var encoder = ResponseEncoder()
        let response = HTTPResponse(status: .ok, bytes: Array(repeating: 0x61, count: 1234))
        let head = lines(encoder.head(for: response, requestID: "", versionMinor: 1, keepAlive: true, contentLength: 1234))
        #expect(values("content-length", in: head) == ["1234"])
        #expect(values("x-request-id", in: head).isEmpty, "an empty request id is not sent")
    }

    @Test(arguments: [204, 304, 100])
    func statusesWithoutABodyHaveNoContentLength(status: Int) {
        var encoder = ResponseEncoder()
        let response = HTTPResponse(status: HTTPStatus(status), bytes: [])
        let head = lines(encoder.head(for: response, requestID: "r", versionMinor: 1, keepAlive: true, contentLength: 0))
        #expect(head.first == "HTTP/1.1 \(status) \(HTTPStatus(status).reasonPhrase)")
        #expect(values("content-length", in: head).isEmpty)
        #expect(values("transfer-encoding", in: head).isEmpty)
    }

    @Test func noContentStreamHasNoTransferEncoding() {
        // RFC 9110 §6.4.1/RFC 9112 §6.1: no Transfer-Encoding in a 204 or 304 response.
        var encoder = ResponseEncoder()
        let response = HTTPResponse(status: .noContent, body: .stream { _ in })
        let head = lines(encoder.head(for: response, requestID: "r", versionMinor: 1, keepAlive: true, contentLength: nil))
        #expect(values("transfer-encoding", in: head).isEmpty)
        #expect(values("content-length", in: head).isEmpty)
    }

    @Test func http10KeepAliveSaysSo() {
        var encoder = ResponseEncoder()
        let response = HTTPResponse(status: .ok, bytes: Array("x".utf8))
        let alive = lines(encoder.head(for: response, requestID: "r", versionMinor: 0, keepAlive: true, contentLength: 1))
        #expect(alive.first == "HTTP/1.0 200 OK")
        #expect(values("connection", in: alive) == ["keep-alive"])
        let closing = lines(encoder.head(for: response, requestID: "r", versionMinor: 0, keepAlive: false, contentLength: 1))
        #expect(values("connection", in: closing) == ["close"])
        let http11Closing = lines(encoder.head(for: response, requestID: "r", versionMinor: 1, keepAlive: false, contentLength: 1))
        #expect(values("connection", in: http11Closing) == ["close"])
    }

    @Test func headerInjectionIsDropped() {
        var encoder = ResponseEncoder()
        let response = HTTPResponse(
            status: .ok,
            headers: HTTPHeaders([
                ("X-Evil", "a\r\nSet-Cookie: stolen=1"), ("X-Lf", "a\nb"), ("X-Cr", "a\rb"), ("X-Nul", "a\u{0}b"),
                ("Bad\r\nName", "v"), ("X-A: b", "v"), ("", "v"), ("X Space", "v"), ("X-Fine", "kept value"),
            ]),
            bytes: [])
        let bytes = encoder.head(for: response, requestID: "r", versionMinor: 1, keepAlive: true, contentLength: 0)
        let head = lines(bytes)
        #expect(values("x-fine", in: head) == ["kept value"])
        #expect(head.count == 5, "only the status line, Date, Content-Length, X-Request-Id and X-Fine: \(head)")
        for name in ["x-evil", "set-cookie", "x-lf", "x-cr", "x-nul", "bad", "x-a", "x space", "x"] {
            #expect(values(name, in: head).isEmpty, "\(name) leaked")
        }
        #expect(!bytes.contains(0))
    }

    @Test func reservedHeadersFromTheResponderAreNotDuplicated() {
        var encoder = ResponseEncoder()
        let response = HTTPResponse(
            status: .created,
            headers: HTTPHeaders([
                ("Content-Length", "999"), ("content-length", "1"), ("Transfer-Encoding", "gzip"),
                ("Connection", "keep-alive"), ("Date", "yesterday"), ("X-Request-Id", "spoofed"),
                ("X-Custom", "1"), ("Location", "/v1/threads/t_1"),
            ]),
            bytes: Array("{}".utf8))
        let head = lines(encoder.head(for: response, requestID: "real-id", versionMinor: 1, keepAlive: false, contentLength: 2))
        #expect(head.first == "HTTP/1.1 201 Created")
        #expect(values("content-length", in: head) == ["2"])
        #expect(values("transfer-encoding", in: head).isEmpty)
        #expect(values("connection", in: head) == ["close"])
        #expect(values("date", in: head).count == 1)
        #expect(values("date", in: head).first != "yesterday")
        #expect(values("x-request-id", in: head) == ["real-id"])
        #expect(values("x-custom", in: head) == ["1"])
        #expect(values("location", in: head) == ["/v1/threads/t_1"])
    }

    @Test func repeatedResponderHeadersAreAllSent() {
        var encoder = ResponseEncoder()
        let response = HTTPResponse(status: .ok, headers: HTTPHeaders([("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")]), bytes: [])
        let head = lines(encoder.head(for: response, requestID: "r", versionMinor: 1, keepAlive: true, contentLength: 0))
        #expect(values("set-cookie", in: head) == ["a=1", "b=2"])
    }

    @Test func unknownStatusesGetAReasonPhrase() {
        var encoder = ResponseEncoder()
        let head = lines(encoder.head(for: HTTPResponse(status: HTTPStatus(299), bytes: []), requestID: "", versionMinor: 1, keepAlive: true, contentLength: 0))
        #expect(head.first == "HTTP/1.1 299 Unknown")
        #expect(values("content-length", in: head) == ["0"])
    }

    @Test func chunkFraming() {
        #expect(ResponseEncoder.chunk(Array("hello".utf8)) == Array("5\r\nhello\r\n".utf8))
        let big = [UInt8](repeating: 0x41, count: 255)
        #expect(ResponseEncoder.chunk(big) == Array("ff\r\n".utf8) + big + [13, 10])
        #expect(ResponseEncoder.chunk(Array(repeating: 0, count: 4096)).prefix(5) == Array("1000\r".utf8)[...])
        #expect(ResponseEncoder.lastChunk == Array("0\r\n\r\n".utf8))
        #expect(ResponseEncoder.continueResponse == Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
    }

    @Test func imfFixdateFormatting() {
        var parts = tm()
        var seconds = time_t(784_111_777)
        gmtime_r(&seconds, &parts)
        #expect(ResponseEncoder.formatIMFDate(parts) == "Sun, 06 Nov 1994 08:49:37 GMT")
        seconds = 0
        gmtime_r(&seconds, &parts)
        #expect(ResponseEncoder.formatIMFDate(parts) == "Thu, 01 Jan 1970 00:00:00 GMT")
        seconds = 4_102_444_799  // the last second of 2099
        gmtime_r(&seconds, &parts)
        #expect(ResponseEncoder.formatIMFDate(parts) == "Thu, 31 Dec 2099 23:59:59 GMT")
        seconds = 951_782_400  // leap day
        gmtime_r(&seconds, &parts)
        #expect(ResponseEncoder.formatIMFDate(parts) == "Tue, 29 Feb 2000 00:00:00 GMT")
    }

    @Test func dateHeaderIsTheCurrentSecond() {
        var encoder = ResponseEncoder()
        let before = time(nil)
        let head = lines(encoder.head(for: HTTPResponse(status: .ok, bytes: []), requestID: "", versionMinor: 1, keepAlive: true, contentLength: 0))
        let after = time(nil)
        let date = values("date", in: head).first ?? ""
        let candidates = (before...after).map { second -> String in
            var parts = tm()
            var s = second
            gmtime_r(&s, &parts)
            return ResponseEncoder.formatIMFDate(parts)
        }
        #expect(candidates.contains(date), "\(date) not in \(candidates)")
    }
}

@Suite struct RequestIDGeneratorTests {
    @Test func generatedIDsAre32LowercaseHexAndUnique() {
        var generator = RequestIDGenerator()
        var seen = Set<String>()
        for _ in 0..<20_000 {
            let id = generator.next()
            #expect(id.utf8.count == 32)
            #expect(id.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
            seen.insert(id)
        }
        #expect(seen.count == 20_000)
        #expect(RequestIDGenerator.isUsable(generator.next()))
    }

    @Test func generatorsAreSeededDifferently() {
        var a = RequestIDGenerator()
        var b = RequestIDGenerator()
        #expect(a.next() != b.next())
    }

    @Test(arguments: [
        ("abc", true), ("req-1_2.3:4/5", true), (String(repeating: "x", count: 128), true),
        ("", false), (String(repeating: "x", count: 129), false), ("has space", false), ("tab\there", false),
        ("caf\u{E9}", false), ("del\u{7F}", false), ("nl\n", false), ("\u{0}", false),
    ])
    func usableClientIDs(id: String, usable: Bool) {
        #expect(RequestIDGenerator.isUsable(id) == usable)
    }
}

@Suite struct PlainErrorResponseTests {
    @Test func bodyHasThePublicErrorShape() {
        let response = HTTPServerConfiguration.plainErrorResponse(HTTPServerError(.headersTooLarge, "Too many headers."))
        #expect(response.status.rawValue == 431)
        #expect(response.headers["content-type"] == "application/json")
        guard case .bytes(let body) = response.body else {
            Issue.record("expected a bytes body")
            return
        }
        #expect(
            String(decoding: body, as: UTF8.self)
                == #"{"error":{"message":"Too many headers.","type":"invalid_request_error","param":null,"code":"headers_too_large"}}"#)
    }

    @Test func messageIsEscapedForJSON() {
        let response = HTTPServerConfiguration.plainErrorResponse(
            HTTPServerError(.malformedRequest, "quote \" backslash \\ newline \n tab \t bell \u{7}"))
        guard case .bytes(let body) = response.body else {
            Issue.record("expected a bytes body")
            return
        }
        let text = String(decoding: body, as: UTF8.self)
        #expect(text.contains(#"quote \" backslash \\ newline \n tab \t bell \u0007"#))
        #expect(!body.contains { $0 < 0x20 })
    }

    @Test func statusReasonPhrasesAndBodies() {
        #expect(HTTPStatus.ok.description == "200 OK")
        #expect(HTTPStatus.payloadTooLarge.reasonPhrase == "Content Too Large")
        #expect(!HTTPStatus.noContent.allowsBody)
        #expect(!HTTPStatus(304).allowsBody)
        #expect(!HTTPStatus.continue.allowsBody)
        #expect(HTTPStatus.ok.allowsBody)
        #expect(HTTPStatus.notFound.allowsBody)
    }
}

@Suite struct HTTPTypesTests {
    @Test func headersCompareNamesCaseInsensitively() {
        var headers: HTTPHeaders = ["Content-Type": "a", "X-Multi": "1"]
        headers.add(name: "x-multi", value: "2")
        #expect(headers["CONTENT-TYPE"] == "a")
        #expect(headers.values(of: "X-MULTI") == ["1", "2"])
        headers.replaceOrAdd(name: "X-Multi", value: "3")
        #expect(headers.values(of: "x-multi") == ["3"])
        headers.remove(name: "content-type")
        #expect(!headers.contains("Content-Type"))
        #expect(headers.count == 1)
        #expect("Content-Length".equalsCaseInsensitive("content-length"))
        #expect(!"Content-Length".equalsCaseInsensitive("content-lengt"))
        #expect(!"[".equalsCaseInsensitive("{"))  // 0x5B | 0x20 == 0x7B but neither is a letter
        #expect(!"@".equalsCaseInsensitive("`"))
    }

    @Test func requestPathAndQuery() {
        let request = HTTPRequest(method: .get, target: "/v1/threads?limit=2&order=asc")
        #expect(request.path == "/v1/threads")
        #expect(request.query == "limit=2&order=asc")
        let bare = HTTPRequest(method: .get, target: "/healthz")
        #expect(bare.path == "/healthz")
        #expect(bare.query == nil)
    }
}
