/// One server-sent event: its `event` name (nil means `message`), its `data` lines joined
/// with `\n`, and the last event id seen so far.
public struct ServerSentEvent: Sendable, Hashable {
    public var event: String?
    public var data: String
    public var id: String?

    public init(event: String? = nil, data: String, id: String? = nil) {
        self.event = event
        self.data = data
        self.id = id
    }

    /// `event`, or `message` when the event named none.
    public var name: String { event ?? "message" }
}

/// An incremental parser of the `text/event-stream` format (WHATWG HTML §9.2.6), fed bytes
/// in chunks split anywhere.
///
/// Lines end in CRLF, LF or CR (a CRLF split between chunks counts once); a leading BOM is
/// skipped; lines starting with `:` are comments; `field: value` loses one space after the
/// colon; a line without a colon is a field with an empty value; `data` lines join with
/// `\n`; a blank line dispatches the event unless it had no `data`; `id` persists across
/// events (ignored when it contains NUL); `retry` sets `reconnectionTime`; unknown fields
/// are ignored. An event cut off by the end of the stream is never dispatched.
///
/// ```swift
/// var parser = ServerSentEventParser()
/// for try await chunk in body {
///     for event in try parser.feed(chunk) { handle(event) }
/// }
/// ```
public struct ServerSentEventParser: Sendable {
    /// An event grew beyond `maxEventBytes`.
    public struct TooLarge: Error, Sendable, Hashable {
        public let limit: Int
    }

    /// Most bytes one event (its pending line plus its data) may hold.
    public let maxEventBytes: Int
    /// The last `retry:` value, in milliseconds.
    public private(set) var reconnectionTime: Int?
    /// The last valid `id:` value (it persists across events).
    public private(set) var lastEventID: String?

    private var line: [UInt8] = []
    private var data: [UInt8] = []
    private var hasData = false
    private var eventType: [UInt8] = []
    private var hasEventFields = false
    /// The previous byte ended a line with CR: a following LF belongs to it.
    private var afterCR = false
    /// Bytes of a leading byte-order mark matched so far; nil once past the start.
    private var bomMatched: Int? = 0
    private static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]

    public init(maxEventBytes: Int = 4 * 1024 * 1024) {
        self.maxEventBytes = maxEventBytes
    }

    /// True when bytes of an event that has not been dispatched yet are buffered.
    public var hasPartialEvent: Bool { !line.isEmpty || hasData || hasEventFields || (bomMatched ?? 0) > 0 }

    /// Consumes `bytes` and returns the events they complete, in order.
    /// - Throws: `TooLarge` when an event exceeds `maxEventBytes`; the parser is then unusable.
    public mutating func feed(_ bytes: some Sequence<UInt8>) throws(TooLarge) -> [ServerSentEvent] {
        var events: [ServerSentEvent] = []
        for byte in bytes {
            if let matched = bomMatched {
                if byte == Self.bom[matched] {
                    bomMatched = matched + 1 == Self.bom.count ? nil : matched + 1
                    continue
                }
                bomMatched = nil
                line += Self.bom[0..<matched]  // not a BOM after all: those bytes are content
            }
            if afterCR {
                afterCR = false
                if byte == 0x0A { continue }
            }
            switch byte {
            case 0x0D:
                afterCR = true
                endLine(into: &events)
            case 0x0A:
                endLine(into: &events)
            default:
                line.append(byte)
                if line.count + data.count > maxEventBytes { throw TooLarge(limit: maxEventBytes) }
            }
        }
        // Between events nothing needs buffering: the buffers' memory goes back, since a
        // stream may then sit idle for minutes.
        if line.isEmpty, !hasData, !hasEventFields {
            line = []
            data = []
            eventType = []
        }
        return events
    }

    /// Processes one complete line (without its terminator).
    private mutating func endLine(into events: inout [ServerSentEvent]) {
        defer { line.removeAll(keepingCapacity: true) }
        guard let first = line.first else {
            dispatch(into: &events)
            return
        }
        if first == UInt8(ascii: ":") { return }  // comment
        let colon = line.firstIndex(of: UInt8(ascii: ":"))
        let field = line[..<(colon ?? line.endIndex)]
        var valueStart = colon.map { line.index(after: $0) } ?? line.endIndex
        if valueStart < line.endIndex, line[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
        let value = line[valueStart...]
        switch String(decoding: field, as: UTF8.self) {
        case "event":
            eventType = Array(value)
            hasEventFields = true
        case "data":
            if hasData { data.append(0x0A) }
            data += value
            hasData = true
        case "id":
            if !value.contains(0) { lastEventID = String(decoding: value, as: UTF8.self) }
        case "retry":
            if !value.isEmpty, value.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
                reconnectionTime = Int(String(decoding: value, as: UTF8.self))
            }
        default:
            break
        }
    }

    /// A blank line: emits the event when it had data, and starts a new one either way.
    private mutating func dispatch(into events: inout [ServerSentEvent]) {
        defer {
            data.removeAll(keepingCapacity: true)
            eventType.removeAll(keepingCapacity: true)
            hasData = false
            hasEventFields = false
        }
        guard hasData else { return }
        events.append(ServerSentEvent(
            event: eventType.isEmpty ? nil : String(decoding: eventType, as: UTF8.self),
            data: String(decoding: data, as: UTF8.self), id: lastEventID))
    }
}
