/// Builds a response head from the header lines libcurl delivers one by one (status line,
/// fields, blank line). Interim 1xx heads are dropped; lines after the final head (trailers)
/// are ignored.
struct ResponseHeadParser {
    private(set) var status = 0
    private(set) var httpVersion = ""
    private(set) var headers = UpstreamHeaders()
    /// True once the final (non-1xx) head ended with its blank line.
    private(set) var isComplete = false

    var head: UpstreamResponseHead {
        UpstreamResponseHead(status: status, headers: headers, httpVersion: httpVersion)
    }

    /// Feeds one line, with or without its CRLF. Returns true when it completed the final head.
    mutating func line(_ raw: UnsafeRawBufferPointer) -> Bool {
        guard !isComplete else { return false }
        var count = raw.count
        while count > 0, raw[count - 1] == 0x0A || raw[count - 1] == 0x0D { count -= 1 }
        let bytes = UnsafeRawBufferPointer(rebasing: raw[0..<count])
        if bytes.isEmpty {
            if status >= 200 {
                isComplete = true
                return true
            }
            status = 0  // an interim 1xx head (or nothing yet): the real one follows
            headers = UpstreamHeaders()
            return false
        }
        if bytes.starts(with: Self.httpPrefix) {
            statusLine(bytes)
        } else if bytes[0] == 0x20 || bytes[0] == 0x09 {
            continuation(bytes)
        } else if let colon = bytes.firstIndex(of: 0x3A) {
            let name = String(decoding: bytes[..<colon], as: UTF8.self)
            headers.add(name: name, value: String(decoding: Self.trimmed(bytes[(colon + 1)...]), as: UTF8.self))
        }
        return false
    }

    private static let httpPrefix = Array("HTTP/".utf8)

    /// `HTTP/1.1 200 OK` or `HTTP/2 200`.
    private mutating func statusLine(_ bytes: UnsafeRawBufferPointer) {
        headers = UpstreamHeaders()
        let parts = bytes.split(separator: 0x20, maxSplits: 2, omittingEmptySubsequences: true)
        httpVersion = parts.isEmpty ? "" : String(decoding: parts[0].dropFirst(Self.httpPrefix.count), as: UTF8.self)
        status = parts.count > 1 ? Int(String(decoding: parts[1], as: UTF8.self)) ?? 0 : 0
    }

    /// An obsolete folded line: belongs to the previous field's value.
    private mutating func continuation(_ bytes: UnsafeRawBufferPointer) {
        headers.extendLastValue(with: String(decoding: Self.trimmed(bytes[...]), as: UTF8.self))
    }

    /// Without leading and trailing spaces and tabs.
    private static func trimmed(_ bytes: Slice<UnsafeRawBufferPointer>) -> Slice<UnsafeRawBufferPointer> {
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        return bytes[start..<end]
    }
}
