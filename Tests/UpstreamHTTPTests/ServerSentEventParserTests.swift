import Testing
import UpstreamHTTP

@Suite struct ServerSentEventParserTests {
    /// Feeds `text` in the given pieces and returns every event plus whether one was left partial.
    static func parse(_ pieces: [[UInt8]], maxEventBytes: Int = 1 << 20) throws -> ([ServerSentEvent], Bool) {
        var parser = ServerSentEventParser(maxEventBytes: maxEventBytes)
        var events: [ServerSentEvent] = []
        for piece in pieces { events += try parser.feed(piece) }
        return (events, parser.hasPartialEvent)
    }

    static func parse(_ text: String) throws -> [ServerSentEvent] {
        try parse([Array(text.utf8)]).0
    }

    static let assistantsStream =
        "event: thread.run.created\ndata: {\"id\":\"run_1\",\"status\":\"queued\"}\n\n"
        + "event: thread.message.delta\r\ndata: {\"id\":\"msg_1\",\"delta\":{\"content\":[{\"index\":0,\"type\":\"text\",\"text\":{\"value\":\"Echo: é ✓\"}}]}}\r\n\r\n"
        + ": keep-alive comment\r\r"
        + "event: multi\rdata: line one\rdata:line two\rdata\r\r"
        + "id: 7\nretry: 1500\nevent: done\ndata: [DONE]\n\n"

    static let expected = [
        ServerSentEvent(event: "thread.run.created", data: #"{"id":"run_1","status":"queued"}"#),
        ServerSentEvent(
            event: "thread.message.delta",
            data: #"{"id":"msg_1","delta":{"content":[{"index":0,"type":"text","text":{"value":"Echo: é ✓"}}]}}"#),
        ServerSentEvent(event: "multi", data: "line one\nline two\n"),
        ServerSentEvent(event: "done", data: "[DONE]", id: "7"),
    ]

    @Test func wholeStream() throws {
        #expect(try Self.parse(Self.assistantsStream) == Self.expected)
    }

    @Test func splitAtEveryOffsetGivesTheSameEvents() throws {
        let bytes = Array(Self.assistantsStream.utf8)
        for offset in 0...bytes.count {
            let (events, partial) = try Self.parse([Array(bytes[..<offset]), Array(bytes[offset...])])
            #expect(events == Self.expected, "split at \(offset)")
            #expect(!partial, "split at \(offset)")
        }
    }

    @Test func splitAtEveryPairOfOffsets() throws {
        let bytes = Array(Self.assistantsStream.utf8)
        for first in stride(from: 0, through: bytes.count, by: 3) {
            for second in first...bytes.count {
                let pieces = [Array(bytes[..<first]), Array(bytes[first..<second]), Array(bytes[second...])]
                #expect(try Self.parse(pieces).0 == Self.expected, "split at \(first), \(second)")
            }
        }
    }

    @Test func oneByteAtATime() throws {
        let pieces = Array(Self.assistantsStream.utf8).map { [$0] }
        #expect(try Self.parse(pieces).0 == Self.expected)
    }

    @Test func crlfSplitBetweenChunksEndsOneLineOnly() throws {
        // A CR at the end of a chunk and the LF at the start of the next: one line end, so the
        // event needs a further blank line to dispatch.
        var parser = ServerSentEventParser()
        #expect(try parser.feed(Array("data: a\r".utf8)).isEmpty)
        #expect(try parser.feed(Array("\ndata: b\r".utf8)).isEmpty)
        #expect(try parser.feed(Array("\n\r\n".utf8)) == [ServerSentEvent(data: "a\nb")])
    }

    @Test func fieldRules() throws {
        // No space after the colon keeps the value whole; only one space is removed.
        #expect(try Self.parse("data:x\n\n") == [ServerSentEvent(data: "x")])
        #expect(try Self.parse("data:  two spaces\n\n") == [ServerSentEvent(data: " two spaces")])
        // `data` alone is an empty data line; an event of one empty data line is dispatched.
        #expect(try Self.parse("data\n\n") == [ServerSentEvent(data: "")])
        // A blank line without data dispatches nothing and forgets the event name.
        #expect(try Self.parse("event: lonely\n\ndata: x\n\n") == [ServerSentEvent(data: "x")])
        // Unknown fields and comments are ignored; colons in the value stay.
        #expect(try Self.parse(": hi\nfoo: bar\ndata: a:b:c\n\n") == [ServerSentEvent(data: "a:b:c")])
        // Empty event name means `message`.
        let events = try Self.parse("event:\ndata: y\n\n")
        #expect(events == [ServerSentEvent(data: "y")])
        #expect(events.first?.name == "message")
    }

    @Test func idPersistsAndRetryIsRead() throws {
        var parser = ServerSentEventParser()
        let events = try parser.feed(Array("id: 1\ndata: a\n\ndata: b\n\nid: x\u{0}y\ndata: c\n\nretry: 12x\nretry: 250\n\n".utf8))
        #expect(events.map(\.id) == ["1", "1", "1"])
        #expect(parser.lastEventID == "1")
        #expect(parser.reconnectionTime == 250)
    }

    @Test func leadingByteOrderMarkIsSkippedOnce() throws {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        let body = Array("data: a\n\n".utf8)
        for split in 0...bom.count {
            let stream = bom + body
            #expect(try Self.parse([Array(stream[..<split]), Array(stream[split...])]).0 == [ServerSentEvent(data: "a")])
        }
        // A second BOM is content (here part of a field name nobody knows), and a partial one too.
        #expect(try Self.parse([bom + bom + body]).0 == [])
        #expect(try Self.parse([[0xEF, 0xBB] + Array("data: z\n\n".utf8)]).0 == [])
    }

    @Test func anEventCutOffByTheEndIsNotDispatched() throws {
        let (events, partial) = try Self.parse([Array("data: a\n\ndata: b\n".utf8)])
        #expect(events == [ServerSentEvent(data: "a")])
        #expect(partial)
    }

    @Test func oversizedEventsThrow() throws {
        var parser = ServerSentEventParser(maxEventBytes: 64)
        #expect(try parser.feed(Array("data: \(String(repeating: "a", count: 50))\n\n".utf8)).count == 1)
        let error = #expect(throws: ServerSentEventParser.TooLarge.self) {
            _ = try parser.feed(Array("data: \(String(repeating: "b", count: 40))\ndata: \(String(repeating: "c", count: 40))\n".utf8))
        }
        #expect(error?.limit == 64)
    }
}
