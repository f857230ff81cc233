@testable import HTTP1
import Testing

/// One refused input: the error code it must map to, and whether a head event may come first.
struct InvalidCase: CustomTestStringConvertible, Sendable {
    let name: String
    let bytes: [UInt8]
    let code: HTTPServerError.Code
    var limits = HTTPLimits()
    var testDescription: String { name }
}

private let tight = HTTPLimits(maxRequestTargetBytes: 32, maxHeaderBytes: 128, maxHeaderCount: 4, maxBodyBytes: 16)

let invalidCases: [InvalidCase] = [
    InvalidCase(
        name: "a byte ≥ 0x80 in the request target → 400",
        bytes: Array(http: "GET /caf") + [0xC3, 0xA9] + Array(http: " HTTP/1.1\r\n\r\n"),
        code: .malformedRequest),
    InvalidCase(
        name: "request target too long → 414",
        bytes: Array(http: "GET /" + String(repeating: "a", count: 40) + " HTTP/1.1\r\n\r\n"),
        code: .requestTargetTooLong, limits: tight),
    InvalidCase(
        name: "request target too long with default limits → 414",
        bytes: Array(http: "GET /" + String(repeating: "a", count: 9000) + " HTTP/1.1\r\n\r\n"),
        code: .requestTargetTooLong),
    InvalidCase(
        name: "head larger than maxHeaderBytes → 431",
        bytes: Array(http: "GET / HTTP/1.1\r\nX-Big: " + String(repeating: "b", count: 200) + "\r\n\r\n"),
        code: .headersTooLarge, limits: tight),
    InvalidCase(
        name: "many small headers add up past maxHeaderBytes → 431",
        bytes: Array(http: "GET / HTTP/1.1\r\n" + String(repeating: "X-Aaaaaaaaaa: bbbbbbbbbbbbbbbbbbbb\r\n", count: 1000) + "\r\n"),
        code: .headersTooLarge),
    InvalidCase(
        name: "a long header name → 431",
        bytes: Array(http: "GET / HTTP/1.1\r\n" + String(repeating: "N", count: 200) + ": v\r\n\r\n"),
        code: .headersTooLarge, limits: tight),
    InvalidCase(
        name: "more header fields than maxHeaderCount → 431",
        bytes: Array(http: "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\n\r\n"),
        code: .headersTooLarge, limits: tight),
    InvalidCase(
        name: "more than 100 header fields by default → 431",
        bytes: Array(http: "GET / HTTP/1.1\r\n" + (0...100).map { "H\($0): v\r\n" }.joined() + "\r\n"),
        code: .headersTooLarge),
    InvalidCase(
        name: "declared Content-Length over maxBodyBytes → 413",
        bytes: Array(http: "POST / HTTP/1.1\r\nContent-Length: 17\r\n\r\n"),
        code: .bodyTooLarge, limits: tight),
    InvalidCase(
        name: "enormous Content-Length → 413",
        bytes: Array(http: "POST / HTTP/1.1\r\nContent-Length: 10000000000000\r\n\r\n"),
        code: .bodyTooLarge),
    InvalidCase(
        name: "chunked body over maxBodyBytes in one chunk → 413",
        bytes: Array(http: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n11\r\n" + String(repeating: "x", count: 17) + "\r\n0\r\n\r\n"),
        code: .bodyTooLarge, limits: tight),
    InvalidCase(
        name: "chunked body over maxBodyBytes across chunks → 413",
        bytes: Array(http: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n8\r\n12345678\r\n1\r\nx\r\n0\r\n\r\n"),
        code: .bodyTooLarge, limits: tight),
    InvalidCase(
        name: "Transfer-Encoding: gzip, chunked → 501",
        bytes: Array(http: "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"),
        code: .unsupportedTransferEncoding),
    InvalidCase(
        name: "Transfer-Encoding over two fields (gzip then chunked) → 501",
        bytes: Array(http: "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        code: .unsupportedTransferEncoding),
    InvalidCase(
        name: "Transfer-Encoding: gzip alone → 501",
        bytes: Array(http: "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"),
        code: .unsupportedTransferEncoding),
    InvalidCase(
        name: "Transfer-Encoding: chunked, chunked → 400",
        bytes: Array(http: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n"),
        code: .malformedRequest),
    InvalidCase(
        name: "Transfer-Encoding: chunked in HTTP/1.0 → 400",
        bytes: Array(http: "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        code: .malformedRequest),
    InvalidCase(
        name: "Transfer-Encoding and Content-Length → 400",
        bytes: Array(http: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n"),
        code: .malformedRequest),
    InvalidCase(
        name: "Content-Length and Transfer-Encoding → 400",
        bytes: Array(http: "POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        code: .malformedRequest),
    InvalidCase(
        name: "two different Content-Length values → 400",
        bytes: Array(http: "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"),
        code: .malformedRequest),
    InvalidCase(
        name: "non-numeric Content-Length → 400",
        bytes: Array(http: "POST / HTTP/1.1\r\nContent-Length: 5x\r\n\r\nhello"),
        code: .malformedRequest),
    InvalidCase(
        name: "negative Content-Length → 400",
        bytes: Array(http: "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"),
        code: .malformedRequest),
    InvalidCase(
        name: "Expect: something → 417",
        bytes: Array(http: "POST / HTTP/1.1\r\nExpect: something\r\nContent-Length: 1\r\n\r\nx"),
        code: .expectationFailed),
    InvalidCase(
        name: "Expect on a GET → 417",
        bytes: Array(http: "GET / HTTP/1.1\r\nExpect: 200-ok\r\n\r\n"),
        code: .expectationFailed),
    InvalidCase(
        name: "HTTP/2.0 request line → 505",
        bytes: Array(http: "GET / HTTP/2.0\r\nHost: a\r\n\r\n"),
        code: .versionNotSupported),
    InvalidCase(
        name: "HTTP/0.9 style request line → 505",
        bytes: Array(http: "GET / HTTP/0.9\r\n\r\n"),
        code: .versionNotSupported),
    InvalidCase(
        name: "garbage bytes → 400",
        bytes: [0x00, 0x01, 0x02, 0xFF] + Array(http: "garbage\r\n\r\n"),
        code: .malformedRequest),
    InvalidCase(
        name: "TLS client hello on the plain port → 400",
        bytes: [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03],
        code: .malformedRequest),
    InvalidCase(
        name: "lowercase method → 400",
        bytes: Array(http: "get / HTTP/1.1\r\n\r\n"),
        code: .malformedRequest),
    InvalidCase(
        name: "bare LF line endings → 400",
        bytes: Array(http: "GET / HTTP/1.1\nHost: a\n\n"),
        code: .malformedRequest),
    InvalidCase(
        name: "bare LF inside the headers → 400",
        bytes: Array(http: "GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n"),
        code: .malformedRequest),
    InvalidCase(
        name: "bare CR in a header value → 400",
        bytes: Array(http: "GET / HTTP/1.1\r\nX: a\rb\r\n\r\n"),
        code: .malformedRequest),
    InvalidCase(
        name: "space in a header name → 400",
        bytes: Array(http: "GET / HTTP/1.1\r\nBad Header: x\r\n\r\n"),
        code: .malformedRequest),
    InvalidCase(
        name: "space before the colon → 400",
        bytes: Array(http: "GET / HTTP/1.1\r\nHost : a\r\n\r\n"),
        code: .malformedRequest),
    InvalidCase(
        name: "invalid token character in a header name → 400",
        bytes: Array(http: "GET / HTTP/1.1\r\nX(y): z\r\n\r\n"),
        code: .malformedRequest),
    InvalidCase(
        name: "space before the colon of Transfer-Encoding (smuggling) → 400",
        bytes: Array(http: "POST / HTTP/1.1\r\nTransfer-Encoding : chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n"),
        code: .malformedRequest),
    InvalidCase(
        name: "obs-text in a header name → 400",
        bytes: Array(http: "GET / HTTP/1.1\r\nX-") + [0xE9] + Array(http: ": v\r\n\r\n"),
        code: .malformedRequest),
    InvalidCase(
        name: "empty header name → 400",
        bytes: Array(http: "GET / HTTP/1.1\r\n: v\r\n\r\n"),
        code: .malformedRequest),
    InvalidCase(
        name: "invalid trailer field name → 400",
        bytes: Array(http: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\nBad Trailer: x\r\n\r\n"),
        code: .malformedRequest),
    InvalidCase(
        name: "headers and trailers together over maxHeaderCount → 431",
        bytes: Array(http: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nA: 1\r\n\r\n1\r\nx\r\n0\r\nT1: 1\r\nT2: 2\r\nT3: 3\r\n\r\n"),
        code: .headersTooLarge, limits: tight),
    InvalidCase(
        name: "invalid chunk size → 400",
        bytes: Array(http: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"),
        code: .malformedRequest),
    InvalidCase(
        name: "chunk longer than its size → 400",
        bytes: Array(http: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhello\r\n0\r\n\r\n"),
        code: .malformedRequest),
    InvalidCase(
        name: "overflowing chunk size → 400 or 413",
        bytes: Array(http: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n"),
        code: .malformedRequest),
    InvalidCase(
        name: "control character in the target → 400",
        bytes: Array(http: "GET /a\u{01}b HTTP/1.1\r\n\r\n"),
        code: .malformedRequest),
    InvalidCase(
        name: "missing version (HTTP/0.9 simple request) → 505",
        bytes: Array(http: "GET /\r\n\r\n"),
        code: .versionNotSupported),
    InvalidCase(
        name: "a valid request followed by garbage → message, then 400",
        bytes: Array(http: "GET /ok HTTP/1.1\r\n\r\n\u{01}\u{02}garbage\r\n\r\n"),
        code: .malformedRequest),
]

@Suite struct RequestParserErrorTests {
    @Test(arguments: invalidCases)
    func refusedWithTheRightCodeInEverySplit(_ invalid: InvalidCase) {
        for (label, pieces) in splits(of: invalid.bytes) {
            let events = replay(pieces, limits: invalid.limits)
            let failure = events.last?.failure
            var accepted = failure?.code == invalid.code
            if invalid.name.hasPrefix("overflowing chunk size") {
                accepted = failure?.code == .malformedRequest || failure?.code == .bodyTooLarge
            }
            #expect(accepted, "\(label): \(events)")
            #expect(failure?.message != "stalled", "\(label)")
            // Only a request completed before the bad bytes may be delivered.
            let messages = events.compactMap(\.request)
            #expect(messages.allSatisfy { $0.target == "/ok" }, "\(label): \(events)")
            if !accepted { break }
        }
    }

    @Test(arguments: invalidCases)
    func statusMatchesTheCode(_ invalid: InvalidCase) {
        let failure = replay([invalid.bytes], limits: invalid.limits).last?.failure
        #expect(failure?.status == invalid.code.status)
        #expect(failure.map { !$0.message.isEmpty } == true)
    }

    @Test func statusesOfEveryCode() {
        #expect(HTTPServerError.Code.malformedRequest.status.rawValue == 400)
        #expect(HTTPServerError.Code.requestTargetTooLong.status.rawValue == 414)
        #expect(HTTPServerError.Code.headersTooLarge.status.rawValue == 431)
        #expect(HTTPServerError.Code.bodyTooLarge.status.rawValue == 413)
        #expect(HTTPServerError.Code.unsupportedTransferEncoding.status.rawValue == 501)
        #expect(HTTPServerError.Code.expectationFailed.status.rawValue == 417)
        #expect(HTTPServerError.Code.versionNotSupported.status.rawValue == 505)
        #expect(HTTPServerError.Code.headerTimeout.status.rawValue == 408)
        #expect(HTTPServerError.Code.bodyTimeout.status.rawValue == 408)
        let error = HTTPServerError(.bodyTooLarge, "too big")
        #expect(error.description == "body_too_large: too big")
        #expect(error.status == .payloadTooLarge)
    }

    @Test func oversizedDeclaredBodyIsRefusedBeforeAnyBodyByte() {
        let head = Array(http: "POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 17\r\n\r\n")
        for (label, pieces) in splits(of: head) {
            let events = replay(pieces, limits: tight)
            #expect(events.map(\.failure?.code) == [.bodyTooLarge], "\(label): \(events)")
        }
    }

    @Test func expectContinueHeadIsReportedBeforeTheBody() {
        let head = Array(http: "POST /upload HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
        for (label, pieces) in splits(of: head) {
            #expect(replay(pieces) == [.head(expectsContinue: true)], "\(label)")
        }
        let mixedCase = Array(http: "POST /upload HTTP/1.1\r\nExpect:  100-CONTINUE \r\nContent-Length: 5\r\n\r\n")
        #expect(replay([mixedCase]) == [.head(expectsContinue: true)])
    }

    @Test func aFailedParserStaysFailed() {
        let parser = RequestParser(limits: HTTPLimits())
        let bad = Array(http: "BAD\u{01} / HTTP/1.1\r\n\r\n")
        let good = Array(http: "GET / HTTP/1.1\r\n\r\n")
        bad.withUnsafeBytes { raw in
            let (_, outcome) = parser.feed(raw)
            guard case .failed(let error) = outcome else {
                Issue.record("expected a failure, got \(outcome)")
                return
            }
            #expect(error.code == .malformedRequest)
        }
        good.withUnsafeBytes { raw in
            let (consumed, outcome) = parser.feed(raw)
            #expect(consumed == 0)
            guard case .failed(let error) = outcome else {
                Issue.record("expected the failure again, got \(outcome)")
                return
            }
            #expect(error.code == .malformedRequest)
        }
    }

    @Test func errorMessagesAreSafeToSend() {
        for invalid in invalidCases {
            guard let failure = replay([invalid.bytes], limits: invalid.limits).last?.failure else { continue }
            #expect(!failure.message.utf8.contains { $0 < 0x20 }, "\(invalid.name): \(failure.message)")
        }
    }
}
