/// A recursive-descent parser over contiguous bytes.
struct JSONParser {
    let input: UnsafeBufferPointer<UInt8>
    var position = 0
    /// Reused buffer for strings that contain escapes.
    var scratch: [UInt8] = []

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

    mutating func skipWhitespace() {
        while position < input.count {
            switch input[position] {
            case .space, .tab, .lineFeed, .carriageReturn: position += 1
            default: return
            }
        }
    }

    func fail(_ code: JSONError.Code) -> JSONError {
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
}
