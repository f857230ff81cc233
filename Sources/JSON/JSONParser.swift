/// A recursive-descent parser over contiguous bytes.
struct JSONParser {
    private let input: UnsafeBufferPointer<UInt8>
    private var position = 0
    /// Reused buffer for strings that contain escapes.
    private var scratch: [UInt8] = []

    private init(input: UnsafeBufferPointer<UInt8>) {
        self.input = input
    }

    /// Parses `input` as exactly one JSON value surrounded by optional whitespace.
    static func parse(_ input: UnsafeBufferPointer<UInt8>) throws(JSONError) -> JSONValue {
        var parser = JSONParser(input: input)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.position == input.count else {
            throw JSONError(.trailingData, at: parser.position)
        }
        return value
    }

    private mutating func skipWhitespace() {
        while position < input.count {
            switch input[position] {
            case .space, .tab, .lineFeed, .carriageReturn: position += 1
            default: return
            }
        }
    }

    private func fail(_ code: JSONError.Code) -> JSONError {
        JSONError(code, at: position)
    }

    private mutating func parseValue(depth: Int) throws(JSONError) -> JSONValue {
        guard position < input.count else { throw fail(.unexpectedEnd) }
        switch input[position] {
        case .openBrace: return try parseObject(depth: depth + 1)
        case .openBracket: return try parseArray(depth: depth + 1)
        case .quote: return .string(try parseString())
        case .letterT:
            try expectLiteral(.letterT, .letterR, .letterU, .letterE)
            return .bool(true)
        case .letterF:
            try expectLiteral(.letterF, .letterA, .letterL, .letterS, .letterE)
            return .bool(false)
        case .letterN:
            try expectLiteral(.letterN, .letterU, .letterL, .letterL)
            return .null
        case .minus, .zero ... .nine:
            return try parseNumber()
        default:
            throw fail(.unexpectedCharacter)
        }
    }

    private mutating func expectLiteral(_ expected: UInt8...) throws(JSONError) {
        for byte in expected {
            guard position < input.count else { throw fail(.unexpectedEnd) }
            guard input[position] == byte else { throw fail(.invalidLiteral) }
            position += 1
        }
    }

    // MARK: Containers

    private mutating func parseArray(depth: Int) throws(JSONError) -> JSONValue {
        guard depth <= JSONValue.maximumDepth else { throw fail(.tooDeep) }
        position += 1  // [
        skipWhitespace()
        var elements: [JSONValue] = []
        if position < input.count, input[position] == .closeBracket {
            position += 1
            return .array(elements)
        }
        while true {
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            guard position < input.count else { throw fail(.unexpectedEnd) }
            switch input[position] {
            case .comma:
                position += 1
                skipWhitespace()
            case .closeBracket:
                position += 1
                return .array(elements)
            default:
                throw fail(.unexpectedCharacter)
            }
        }
    }

    private mutating func parseObject(depth: Int) throws(JSONError) -> JSONValue {
        guard depth <= JSONValue.maximumDepth else { throw fail(.tooDeep) }
        position += 1  // {
        skipWhitespace()
        var object = JSONObject()
        if position < input.count, input[position] == .closeBrace {
            position += 1
            return .object(object)
        }
        while true {
            guard position < input.count else { throw fail(.unexpectedEnd) }
            guard input[position] == .quote else { throw fail(.unexpectedCharacter) }
            let key = try parseString()
            skipWhitespace()
            guard position < input.count else { throw fail(.unexpectedEnd) }
            guard input[position] == .colon else { throw fail(.unexpectedCharacter) }
            position += 1
            skipWhitespace()
            object.updateValue(try parseValue(depth: depth), forKey: key)
            skipWhitespace()
            guard position < input.count else { throw fail(.unexpectedEnd) }
            switch input[position] {
            case .comma:
                position += 1
                skipWhitespace()
            case .closeBrace:
                position += 1
                return .object(object)
            default:
                throw fail(.unexpectedCharacter)
            }
        }
    }

    // MARK: Strings

    /// Parses a string starting at its opening quote.
    private mutating func parseString() throws(JSONError) -> String {
        position += 1  // "
        let start = position
        while position < input.count {
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

    // MARK: Numbers

    /// Parses `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    private mutating func parseNumber() throws(JSONError) -> JSONValue {
        let start = position
        let negative = input[position] == .minus
        if negative { position += 1 }

        var mantissa: UInt64 = 0
        var mantissaOverflowed = false
        var fractionDigits = 0

        func accumulate(_ byte: UInt8) {
            let (times10, overflow1) = mantissa.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(byte &- .zero))
            if overflow1 || overflow2 { mantissaOverflowed = true } else { mantissa = sum }
        }

        guard position < input.count else { throw fail(.unexpectedEnd) }
        switch input[position] {
        case .zero:
            position += 1
            if position < input.count, input[position].isDigit { throw fail(.invalidNumber) }
        case .one ... .nine:
            while position < input.count, input[position].isDigit {
                accumulate(input[position])
                position += 1
            }
        default:
            throw fail(.invalidNumber)
        }

        var isInteger = true
        if position < input.count, input[position] == .period {
            isInteger = false
            position += 1
            try requireDigit()
            while position < input.count, input[position].isDigit {
                accumulate(input[position])
                if !mantissaOverflowed { fractionDigits += 1 }
                position += 1
            }
        }

        var exponent = 0
        if position < input.count, input[position] == .letterE || input[position] == .upperE {
            isInteger = false
            position += 1
            var exponentNegative = false
            if position < input.count, input[position] == .plus || input[position] == .minus {
                exponentNegative = input[position] == .minus
                position += 1
            }
            try requireDigit()
            while position < input.count, input[position].isDigit {
                exponent = min(exponent * 10 + Int(input[position] &- .zero), 1_000_000)
                position += 1
            }
            if exponentNegative { exponent = -exponent }
        }

        if isInteger, !mantissaOverflowed {
            if !negative, mantissa <= UInt64(Int64.max) { return .int(Int64(mantissa)) }
            if negative, mantissa == 0 { return .double(-0.0) }
            if negative, mantissa <= UInt64(Int64.max) + 1 { return .int(Int64(truncatingIfNeeded: 0 &- mantissa)) }
        }
        return .double(try parseDouble(
            from: start, negative: negative, mantissa: mantissaOverflowed ? nil : mantissa,
            exponent10: exponent - fractionDigits))
    }

    private mutating func requireDigit() throws(JSONError) {
        guard position < input.count else { throw fail(.unexpectedEnd) }
        guard input[position].isDigit else { throw fail(.invalidNumber) }
    }

    /// Exact powers of ten a `Double` holds without rounding.
    private static let exactPowersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// Converts the validated number text at `start..<position` to the nearest `Double`.
    ///
    /// When the digits fit 53 bits and the power of ten is exact, one IEEE multiply or divide
    /// rounds correctly (Clinger's fast path); otherwise the standard library's correctly
    /// rounded conversion reads the text.
    private func parseDouble(from start: Int, negative: Bool, mantissa: UInt64?, exponent10: Int) throws(JSONError) -> Double {
        if let mantissa, mantissa <= 1 << 53, (-22...22).contains(exponent10) {
            var value = Double(mantissa)
            if exponent10 >= 0 {
                value *= Self.exactPowersOfTen[exponent10]
            } else {
                value /= Self.exactPowersOfTen[-exponent10]
            }
            return negative ? -value : value
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: input[start..<position]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw JSONError(.numberOutOfRange, at: start)
        }
        return value
    }
}
