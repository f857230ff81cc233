/// Strings: escapes, surrogate pairs and UTF-8 validation.
extension JSONParser {
    /// Parses a string starting at its opening quote.
    mutating func parseString() throws(JSONError) -> String {
        position += 1  // "
        let start = position
        while position < input.count {
            position = ByteScanning.firstSpecial(in: input, from: position, stopAtNonASCII: true)
            guard position < input.count else { break }
            let byte = input[position]
            if byte == .quote {
                let text = String(decoding: UnsafeBufferPointer(rebasing: input[start..<position]), as: UTF8.self)
                position += 1
                return text
            }
            if byte == .backslash {
                return try parseEscapedString(from: start)
            }
            try skipStringByte(byte)
        }
        throw fail(.unexpectedEnd)
    }

    /// Accepts one unescaped character (ASCII or a UTF-8 sequence) and moves past it.
    private mutating func skipStringByte(_ byte: UInt8) throws(JSONError) {
        if byte < 0x20 { throw fail(.controlCharacter) }
        if byte < 0x80 {
            position += 1
        } else {
            try skipUTF8Sequence(lead: byte)
        }
    }

    /// Continues a string whose first escape is at `position`, unescaping into `scratch`.
    private mutating func parseEscapedString(from start: Int) throws(JSONError) -> String {
        scratch.removeAll(keepingCapacity: true)
        var runStart = start
        while position < input.count {
            let byte = input[position]
            if byte == .quote {
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: input[runStart..<position]))
                position += 1
                return String(decoding: scratch, as: UTF8.self)
            }
            if byte == .backslash {
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: input[runStart..<position]))
                try parseEscape()
                runStart = position
            } else if byte.isPlainStringASCII {
                position = ByteScanning.firstSpecial(in: input, from: position, stopAtNonASCII: true)
            } else {
                try skipStringByte(byte)
            }
        }
        throw fail(.unexpectedEnd)
    }

    /// Decodes one escape at `position` (a backslash) into `scratch`.
    private mutating func parseEscape() throws(JSONError) {
        let escapeStart = position
        position += 1
        guard position < input.count else { throw fail(.unexpectedEnd) }
        let replacement: UInt8
        switch input[position] {
        case .quote: replacement = .quote
        case .backslash: replacement = .backslash
        case .slash: replacement = .slash
        case .letterB: replacement = 0x08
        case .letterF: replacement = 0x0C
        case .letterN: replacement = .lineFeed
        case .letterR: replacement = .carriageReturn
        case .letterT: replacement = .tab
        case .letterU:
            position += 1
            try parseUnicodeEscape(escapeStart: escapeStart)
            return
        default:
            throw JSONError(.invalidEscape, at: escapeStart)
        }
        scratch.append(replacement)
        position += 1
    }

    /// Decodes the hex digits of a `\u` escape (and its low surrogate) into `scratch`.
    private mutating func parseUnicodeEscape(escapeStart: Int) throws(JSONError) {
        let unit = try parseHex4()
        var scalarValue = UInt32(unit)
        if (0xD800...0xDBFF).contains(unit) {
            guard position + 1 < input.count, input[position] == .backslash, input[position + 1] == .letterU else {
                throw JSONError(.invalidUnicodeEscape, at: escapeStart)
            }
            position += 2
            let low = try parseHex4()
            guard (0xDC00...0xDFFF).contains(low) else {
                throw JSONError(.invalidUnicodeEscape, at: escapeStart)
            }
            scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(unit) {
            throw JSONError(.invalidUnicodeEscape, at: escapeStart)
        }
        appendUTF8(scalarValue)
    }

    /// Appends the UTF-8 encoding of a scalar value (never a surrogate) to `scratch`.
    private mutating func appendUTF8(_ value: UInt32) {
        switch value {
        case 0..<0x80:
            scratch.append(UInt8(truncatingIfNeeded: value))
        case 0x80..<0x800:
            scratch.append(0xC0 | UInt8(truncatingIfNeeded: value >> 6))
            scratch.append(0x80 | UInt8(truncatingIfNeeded: value) & 0x3F)
        case 0x800..<0x10000:
            scratch.append(0xE0 | UInt8(truncatingIfNeeded: value >> 12))
            scratch.append(0x80 | UInt8(truncatingIfNeeded: value >> 6) & 0x3F)
            scratch.append(0x80 | UInt8(truncatingIfNeeded: value) & 0x3F)
        default:
            scratch.append(0xF0 | UInt8(truncatingIfNeeded: value >> 18))
            scratch.append(0x80 | UInt8(truncatingIfNeeded: value >> 12) & 0x3F)
            scratch.append(0x80 | UInt8(truncatingIfNeeded: value >> 6) & 0x3F)
            scratch.append(0x80 | UInt8(truncatingIfNeeded: value) & 0x3F)
        }
    }

    private mutating func parseHex4() throws(JSONError) -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard position < input.count else { throw fail(.unexpectedEnd) }
            let byte = input[position]
            let digit: UInt8
            switch byte {
            case .zero ... .nine: digit = byte &- .zero
            case .letterA ... .letterF: digit = byte &- .letterA &+ 10
            case .upperA ... .upperF: digit = byte &- .upperA &+ 10
            default: throw fail(.invalidUnicodeEscape)
            }
            value = value << 4 | UInt16(digit)
            position += 1
        }
        return value
    }

    /// Validates one multi-byte UTF-8 sequence (Unicode Table 3-7) and moves past it.
    private mutating func skipUTF8Sequence(lead: UInt8) throws(JSONError) {
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; secondRange = 0x80...0x9F
        case 0xF0: length = 4; secondRange = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; secondRange = 0x80...0x8F
        default: throw fail(.invalidUTF8)
        }
        guard position + length <= input.count, secondRange.contains(input[position + 1]) else {
            throw fail(.invalidUTF8)
        }
        var offset = 2
        while offset < length {
            guard (0x80...0xBF).contains(input[position + offset]) else { throw fail(.invalidUTF8) }
            offset += 1
        }
        position += length
    }
}
