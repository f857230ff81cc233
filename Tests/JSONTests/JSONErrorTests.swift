import Testing
@testable import JSON

@Suite struct JSONErrorTests {
    /// Input, expected code, expected offset.
    static let cases: [(String, JSONError.Code, Int)] = [
        ("", .unexpectedEnd, 0),
        ("   ", .unexpectedEnd, 3),
        ("[1,", .unexpectedEnd, 3),
        ("[1", .unexpectedEnd, 2),
        ("{\"a\"", .unexpectedEnd, 4),
        ("{\"a\":", .unexpectedEnd, 5),
        ("{\"a\":1", .unexpectedEnd, 6),
        ("{", .unexpectedEnd, 1),
        ("\"abc", .unexpectedEnd, 4),
        ("\"a\\", .unexpectedEnd, 3),
        ("\"\\u12", .unexpectedEnd, 5),
        ("-", .unexpectedEnd, 1),
        ("1.", .unexpectedEnd, 2),
        ("1e", .unexpectedEnd, 2),
        ("1e+", .unexpectedEnd, 3),
        ("tr", .unexpectedEnd, 2),
        ("[1,]", .unexpectedCharacter, 3),
        ("{\"a\":1,}", .unexpectedCharacter, 7),
        ("[1 2]", .unexpectedCharacter, 3),
        ("{\"a\" 1}", .unexpectedCharacter, 5),
        ("{a:1}", .unexpectedCharacter, 1),
        ("{'a':1}", .unexpectedCharacter, 1),
        ("[,1]", .unexpectedCharacter, 1),
        ("// c\n1", .unexpectedCharacter, 0),
        ("/* c */ 1", .unexpectedCharacter, 0),
        ("+1", .unexpectedCharacter, 0),
        (".5", .unexpectedCharacter, 0),
        ("\u{FEFF}1", .unexpectedCharacter, 0),
        ("[1}", .unexpectedCharacter, 2),
        ("tru", .unexpectedEnd, 3),
        ("trUe", .invalidLiteral, 2),
        ("nul1", .invalidLiteral, 3),
        ("fals", .unexpectedEnd, 4),
        ("falsy", .invalidLiteral, 4),
        ("01", .invalidNumber, 1),
        ("-01", .invalidNumber, 2),
        ("-a", .invalidNumber, 1),
        ("1.e5", .invalidNumber, 2),
        ("1.x", .invalidNumber, 2),
        ("1e+x", .invalidNumber, 3),
        ("1e400", .numberOutOfRange, 0),
        ("[-1e400]", .numberOutOfRange, 1),
        ("\"\\x\"", .invalidEscape, 1),
        ("\"ab\\'\"", .invalidEscape, 3),
        ("\"\\u12G4\"", .invalidUnicodeEscape, 5),
        ("\"\\uD800\"", .invalidUnicodeEscape, 1),
        ("\"\\uD800\\u0041\"", .invalidUnicodeEscape, 1),
        ("\"\\uDC00\"", .invalidUnicodeEscape, 1),
        ("\"x\\uD83D\\uD83D\"", .invalidUnicodeEscape, 2),
        ("\"a\tb\"", .controlCharacter, 2),
        ("\"a\nb\"", .controlCharacter, 2),
        ("\"\u{0}\"", .controlCharacter, 1),
        ("1 2", .trailingData, 2),
        ("{} {}", .trailingData, 3),
        ("nullx", .trailingData, 4),
        ("1x", .trailingData, 1),
    ]

    @Test(arguments: cases.indices)
    func rejects(caseIndex: Int) {
        let (input, code, offset) = Self.cases[caseIndex]
        let error = parseError(input)
        #expect(error == JSONError(code, at: offset), "input: \(input.debugDescription)")
    }

    @Test(arguments: [
        ([0xFF], 1),  // never valid
        ([0xC0, 0x80], 1),  // overlong NUL
        ([0xC1, 0xBF], 1),  // overlong
        ([0xE0, 0x80, 0x80], 1),  // overlong 3-byte
        ([0xED, 0xA0, 0x80], 1),  // UTF-8-encoded surrogate
        ([0xF0, 0x80, 0x80, 0x80], 1),  // overlong 4-byte
        ([0xF4, 0x90, 0x80, 0x80], 1),  // above U+10FFFF
        ([0xF5, 0x80, 0x80, 0x80], 1),  // invalid lead
        ([0x80], 1),  // lone continuation
        ([0x61, 0xC3], 2),  // truncated sequence at end of string
        ([0xE2, 0x82], 1),  // truncated 3-byte
        ([0xE2, 0x28, 0xA1], 1),  // bad continuation
    ] as [([UInt8], Int)])
    func rejectsInvalidUTF8(bytes: [UInt8], offset: Int) {
        let quoted = [UInt8(ascii: "\"")] + bytes + [UInt8(ascii: "\"")]
        #expect(parseError(quoted) == JSONError(.invalidUTF8, at: offset))
    }

    @Test func invalidUTF8AfterAnEscapeIsRejected() {
        let bytes: [UInt8] = Array("\"\\n".utf8) + [0xFF] + [UInt8(ascii: "\"")]
        #expect(parseError(bytes) == JSONError(.invalidUTF8, at: 3))
    }

    @Test func invalidUTF8OutsideStringsIsUnexpected() {
        #expect(parseError([0xC3, 0xA9]) == JSONError(.unexpectedCharacter, at: 0))
    }

    @Test func everyCodeIsCovered() {
        let covered = Set(Self.cases.map(\.1.rawValue) + [JSONError.Code.invalidUTF8.rawValue, JSONError.Code.tooDeep.rawValue])
        let all: [JSONError.Code] = [
            .unexpectedEnd, .unexpectedCharacter, .invalidLiteral, .invalidNumber, .numberOutOfRange,
            .invalidEscape, .invalidUnicodeEscape, .controlCharacter, .invalidUTF8, .tooDeep, .trailingData,
        ]
        #expect(Set(all.map(\.rawValue)) == covered)
    }

    @Test func descriptionNamesProblemAndOffset() {
        #expect(JSONError(.invalidNumber, at: 12).description == "invalid number at byte 12")
        #expect(JSONError.Code.invalidUTF8.rawValue == "invalid_utf8")
        #expect("\(JSONError.Code.trailingData)" == "trailing_data")
    }
}
