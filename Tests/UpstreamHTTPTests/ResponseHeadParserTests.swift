import Testing
@testable import UpstreamHTTP

@Suite struct ResponseHeadParserTests {
    /// Feeds each line and returns the indices of lines that completed the head.
    private func feed(_ parser: inout ResponseHeadParser, _ lines: [String]) -> [Int] {
        var completed: [Int] = []
        for (index, line) in lines.enumerated() {
            let bytes = Array(line.utf8)
            if bytes.withUnsafeBytes({ parser.line($0) }) { completed.append(index) }
        }
        return completed
    }

    @Test func http11Head() {
        var parser = ResponseHeadParser()
        let completed = feed(&parser, [
            "HTTP/1.1 201 Created\r\n", "Content-Type: application/json\r\n", "X-Request-Id:  req_1 \r\n",
            "Set-Cookie: a=1\r\n", "set-cookie: b=2\r\n", "\r\n",
        ])
        #expect(completed == [5])
        #expect(parser.isComplete)
        #expect(parser.status == 201)
        #expect(parser.httpVersion == "1.1")
        #expect(parser.headers["x-request-id"] == "req_1")
        #expect(parser.headers.values(of: "Set-Cookie") == ["a=1", "b=2"])
        #expect(parser.headers.count == 4)
    }

    @Test func interimHeadsAreDropped() {
        var parser = ResponseHeadParser()
        let completed = feed(&parser, [
            "HTTP/1.1 100 Continue\r\n", "\r\n", "HTTP/1.1 103 Early Hints\r\n", "Link: </a>\r\n", "\r\n",
            "HTTP/1.1 200 OK\r\n", "Content-Length: 2\r\n", "\r\n",
        ])
        #expect(completed == [7])
        #expect(parser.status == 200)
        #expect(parser.headers.count == 1)
        #expect(parser.headers["link"] == nil)
    }

    @Test func http2HeadAndTrailers() {
        var parser = ResponseHeadParser()
        let completed = feed(&parser, ["HTTP/2 503 \r\n", "retry-after: 1\r\n", "\r\n", "x-trailer: t\r\n", "\r\n"])
        #expect(completed == [2])
        #expect(parser.httpVersion == "2")
        #expect(parser.status == 503)
        #expect(parser.headers["x-trailer"] == nil)
    }

    @Test func foldedLinesJoinThePreviousValue() {
        var parser = ResponseHeadParser()
        _ = feed(&parser, ["HTTP/1.0 200 OK\n", "X-Long: one\n", "\t two\n", "X-Long: again\n", "\n"])
        #expect(parser.httpVersion == "1.0")
        #expect(parser.headers.values(of: "x-long") == ["one two", "again"])
    }
}
