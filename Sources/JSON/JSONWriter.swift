/// Writes compact JSON into a buffer sized beforehand by ``sizeBound(of:)``: one allocation
/// and plain stores, no capacity checks per byte.
struct JSONWriter {
    /// The longest text Swift prints for a finite `Double`, such as `-2.2250738585072014e-308`,
    /// rounded up.
    private static let doubleBound = 32
    private static let hexDigits: StaticString = "0123456789abcdef"

    private let buffer: UnsafeMutableBufferPointer<UInt8>
    /// Bytes written so far.
    private(set) var count = 0

    init(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
        self.buffer = buffer
    }

    // MARK: Sizing

    /// An upper bound of the serialized length of `value` (exact except for numbers).
    static func sizeBound(of value: JSONValue) -> Int {
        switch value {
        case .null: 4
        case .bool(let flag): flag ? 4 : 5
        case .int: 20
        case .double: doubleBound
        case .string(let text): escapedCount(text)
        case .array(let elements): elements.reduce(2 + max(elements.count - 1, 0)) { $0 + sizeBound(of: $1) }
        case .object(let object):
            object.entries.reduce(2 + max(object.count - 1, 0)) { $0 + escapedCount($1.key) + 1 + sizeBound(of: $1.value) }
        }
    }

    /// The length of `text` quoted and escaped.
    private static func escapedCount(_ text: String) -> Int {
        var text = text
        return text.withUTF8 { bytes in
            var total = 2 + bytes.count
            var position = ByteScanning.firstSpecial(in: bytes, from: 0, stopAtNonASCII: false)
            while position < bytes.count {
                total += escapeLength(bytes[position]) - 1
                position = ByteScanning.firstSpecial(in: bytes, from: position + 1, stopAtNonASCII: false)
            }
            return total
        }
    }

    private static func escapeLength(_ byte: UInt8) -> Int {
        switch byte {
        case .quote, .backslash, .lineFeed, .carriageReturn, .tab, 0x08, 0x0C: 2
        default: 6
        }
    }

    // MARK: Writing

    mutating func write(_ value: JSONValue) {
        switch value {
        case .null:
            writeLiteral("null")
        case .bool(let flag):
            writeLiteral(flag ? "true" : "false")
        case .int(let integer):
            writeInteger(integer)
        case .double(let number):
            if number.isFinite {
                var text = number.description
                text.withUTF8 { write($0) }
            } else {
                writeLiteral("null")
            }
        case .string(let text):
            writeString(text)
        case .array(let elements):
            writeByte(.openBracket)
            var first = true
            for element in elements {
                if !first { writeByte(.comma) }
                first = false
                write(element)
            }
            writeByte(.closeBracket)
        case .object(let object):
            writeByte(.openBrace)
            var first = true
            for entry in object.entries {
                if !first { writeByte(.comma) }
                first = false
                writeString(entry.key)
                writeByte(.colon)
                write(entry.value)
            }
            writeByte(.closeBrace)
        }
    }

    private mutating func writeByte(_ byte: UInt8) {
        buffer[count] = byte
        count += 1
    }

    private mutating func write(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, let destination = buffer.baseAddress, !bytes.isEmpty else { return }
        (destination + count).update(from: source, count: bytes.count)
        count += bytes.count
    }

    private mutating func writeLiteral(_ literal: StaticString) {
        write(UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    private mutating func writeInteger(_ value: Int64) {
        if value < 0 { writeByte(.minus) }
        var magnitude = value.magnitude
        let start = count
        repeat {
            writeByte(.zero &+ UInt8(truncatingIfNeeded: magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        var digits = UnsafeMutableBufferPointer(rebasing: buffer[start..<count])
        digits.reverse()
    }

    private mutating func writeString(_ text: String) {
        var text = text
        text.withUTF8 { writeEscaped($0) }
    }

    private mutating func writeEscaped(_ bytes: UnsafeBufferPointer<UInt8>) {
        writeByte(.quote)
        var runStart = 0
        var position = ByteScanning.firstSpecial(in: bytes, from: 0, stopAtNonASCII: false)
        while position < bytes.count {
            let byte = bytes[position]
            write(UnsafeBufferPointer(rebasing: bytes[runStart..<position]))
            runStart = position + 1
            writeByte(.backslash)
            switch byte {
            case .quote: writeByte(.quote)
            case .backslash: writeByte(.backslash)
            case .lineFeed: writeByte(.letterN)
            case .carriageReturn: writeByte(.letterR)
            case .tab: writeByte(.letterT)
            case 0x08: writeByte(.letterB)
            case 0x0C: writeByte(.letterF)
            default:
                writeLiteral("u00")
                writeByte(Self.hexDigits.utf8Start[Int(byte >> 4)])
                writeByte(Self.hexDigits.utf8Start[Int(byte & 0x0F)])
            }
            position = ByteScanning.firstSpecial(in: bytes, from: runStart, stopAtNonASCII: false)
        }
        write(UnsafeBufferPointer(rebasing: bytes[runStart...]))
        writeByte(.quote)
    }
}
