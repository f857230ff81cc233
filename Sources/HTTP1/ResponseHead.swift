#if canImport(Glibc)
import Glibc
#endif

/// Serializes response heads and chunk framing. Holds a per-loop `Date` header cache.
struct ResponseEncoder {
    private var cachedSecond = -1
    private var cachedDate: [UInt8] = []

    /// The status line, fixed headers and `headers` for one response.
    mutating func head(
        for response: HTTPResponse, requestID: String, versionMinor: Int, keepAlive: Bool,
        contentLength: Int?
    ) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        out.append(contentsOf: versionMinor == 0 ? Self.http10 : Self.http11)
        appendDecimal(response.status.rawValue, to: &out)
        out.append(0x20)
        out.append(contentsOf: response.status.reasonPhrase.utf8)
        out.append(contentsOf: Self.crlf)
        out.append(contentsOf: Self.dateName)
        out.append(contentsOf: currentDate())
        out.append(contentsOf: Self.crlf)
        if let contentLength {
            if response.status.allowsBody {
                out.append(contentsOf: Self.contentLengthName)
                appendDecimal(contentLength, to: &out)
                out.append(contentsOf: Self.crlf)
            }
        } else if versionMinor >= 1 && response.status.allowsBody {
            // No Transfer-Encoding on 1xx, 204 or 304 (RFC 9112 §6.1).
            out.append(contentsOf: Self.chunkedHeader)
        }
        if !requestID.isEmpty {
            out.append(contentsOf: Self.requestIDName)
            out.append(contentsOf: requestID.utf8)
            out.append(contentsOf: Self.crlf)
        }
        if !keepAlive {
            out.append(contentsOf: Self.connectionClose)
        } else if versionMinor == 0 {
            out.append(contentsOf: Self.connectionKeepAlive)
        }
        for (name, value) in response.headers where Self.isFieldName(name) && Self.isSafe(value) {
            if Self.isReservedName(name) { continue }
            out.append(contentsOf: name.utf8)
            out.append(0x3A)
            out.append(0x20)
            out.append(contentsOf: value.utf8)
            out.append(contentsOf: Self.crlf)
        }
        out.append(contentsOf: Self.crlf)
        return out
    }

    /// One chunk of a chunked body.
    static func chunk(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = Array(String(bytes.count, radix: 16).utf8)
        out.reserveCapacity(out.count + bytes.count + 4)
        out.append(contentsOf: crlf)
        out.append(contentsOf: bytes)
        out.append(contentsOf: crlf)
        return out
    }

    static let lastChunk: [UInt8] = Array("0\r\n\r\n".utf8)
    static let continueResponse: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    private static let http11: [UInt8] = Array("HTTP/1.1 ".utf8)
    private static let http10: [UInt8] = Array("HTTP/1.0 ".utf8)
    private static let crlf: [UInt8] = [0x0D, 0x0A]
    private static let dateName: [UInt8] = Array("Date: ".utf8)
    private static let contentLengthName: [UInt8] = Array("Content-Length: ".utf8)
    private static let chunkedHeader: [UInt8] = Array("Transfer-Encoding: chunked\r\n".utf8)
    private static let requestIDName: [UInt8] = Array("X-Request-Id: ".utf8)
    private static let connectionClose: [UInt8] = Array("Connection: close\r\n".utf8)
    private static let connectionKeepAlive: [UInt8] = Array("Connection: keep-alive\r\n".utf8)

    /// Headers the encoder writes itself; a responder's copies are dropped. Checked by length
    /// first, since nearly every response header is none of these.
    private static func isReservedName(_ name: String) -> Bool {
        switch name.utf8.count {
        case 4: name.equalsCaseInsensitive("date")
        case 10: name.equalsCaseInsensitive("connection")
        case 12: name.equalsCaseInsensitive("x-request-id")
        case 14: name.equalsCaseInsensitive("content-length")
        case 17: name.equalsCaseInsensitive("transfer-encoding")
        default: false
        }
    }

    /// A header name from a responder is sent only when it is an RFC 9110 token.
    private static func isFieldName(_ name: String) -> Bool {
        let tokenBytes = RequestParser.isTokenByte
        return !name.isEmpty && name.utf8.allSatisfy { tokenBytes[Int($0)] }
    }

    /// Header values must not smuggle line breaks into the head.
    private static func isSafe(_ text: String) -> Bool {
        !text.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0 }
    }

    private func appendDecimal(_ value: Int, to out: inout [UInt8]) {
        if value < 10 {
            out.append(0x30 + UInt8(value))
            return
        }
        out.append(contentsOf: String(value).utf8)
    }

    /// The IMF-fixdate for the current second, recomputed once a second.
    private mutating func currentDate() -> [UInt8] {
        var now = time(nil)
        if Int(now) == cachedSecond { return cachedDate }
        cachedSecond = Int(now)
        var parts = tm()
        gmtime_r(&now, &parts)
        cachedDate = Array(Self.formatIMFDate(parts).utf8)
        return cachedDate
    }

    static func formatIMFDate(_ t: tm) -> String {
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(days[Int(t.tm_wday)]), \(two(t.tm_mday)) \(months[Int(t.tm_mon)]) \(t.tm_year + 1900) "
            + "\(two(t.tm_hour)):\(two(t.tm_min)):\(two(t.tm_sec)) GMT"
    }
}

/// Makes request ids: the client's `X-Request-Id` when usable, else 32 hex digits from a
/// per-loop generator (SplitMix64 seeded from the system generator).
struct RequestIDGenerator {
    private var state: UInt64

    init() {
        var system = SystemRandomNumberGenerator()
        state = system.next()
    }

    /// A client id is kept when it is 1–128 visible ASCII characters without spaces.
    static func isUsable(_ id: String) -> Bool {
        let bytes = id.utf8
        return !bytes.isEmpty && bytes.count <= 128 && bytes.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }

    mutating func next() -> String {
        let high = nextWord(), low = nextWord()
        return String(unsafeUninitializedCapacity: 32) { buffer in
            for i in 0..<16 {
                buffer[i] = Self.hexDigit(high >> UInt64(60 - 4 * i))
                buffer[16 + i] = Self.hexDigit(low >> UInt64(60 - 4 * i))
            }
            return 32
        }
    }

    /// The lowercase hex digit of the low four bits.
    private static func hexDigit(_ value: UInt64) -> UInt8 {
        let nibble = UInt8(truncatingIfNeeded: value & 0xF)
        return nibble < 10 ? 0x30 + nibble : 0x57 + nibble
    }

    private mutating func nextWord() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
