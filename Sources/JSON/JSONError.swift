/// Why a JSON text was rejected, and where.
///
/// `code` is stable and safe to show; `offset` is the zero-based byte offset of the first
/// byte that could not be accepted (the input's length when it ended too early).
public struct JSONError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable identifier for the kind of problem. New codes may be added.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// The code's stable name, such as `invalid_utf8`.
        public let rawValue: String
        /// A short English phrase for messages.
        public let summary: String

        private init(_ rawValue: String, _ summary: String) {
            self.rawValue = rawValue
            self.summary = summary
        }

        public static func == (lhs: Code, rhs: Code) -> Bool { lhs.rawValue == rhs.rawValue }
        public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
        public var description: String { rawValue }

        /// The input ended inside a value (or held no value at all).
        public static let unexpectedEnd = Code("unexpected_end", "unexpected end of input")
        /// A byte that cannot appear at this point of the grammar.
        public static let unexpectedCharacter = Code("unexpected_character", "unexpected character")
        /// A misspelled `true`, `false` or `null`.
        public static let invalidLiteral = Code("invalid_literal", "invalid literal")
        /// A number that breaks the grammar (leading zero, missing digits).
        public static let invalidNumber = Code("invalid_number", "invalid number")
        /// A number too large for a `Double`.
        public static let numberOutOfRange = Code("number_out_of_range", "number out of range")
        /// A backslash followed by something other than a JSON escape.
        public static let invalidEscape = Code("invalid_escape", "invalid escape sequence")
        /// A `\u` escape without four hex digits, or a lone surrogate.
        public static let invalidUnicodeEscape = Code("invalid_unicode_escape", "invalid unicode escape")
        /// An unescaped byte below 0x20 inside a string.
        public static let controlCharacter = Code("control_character", "unescaped control character in string")
        /// Bytes that are not well-formed UTF-8.
        public static let invalidUTF8 = Code("invalid_utf8", "invalid UTF-8")
        /// Arrays and objects nested deeper than ``JSONValue/maximumDepth``.
        public static let tooDeep = Code("too_deep", "nesting too deep")
        /// Something other than whitespace after the value.
        public static let trailingData = Code("trailing_data", "unexpected data after the value")
    }

    /// What went wrong.
    public var code: Code
    /// The zero-based byte offset where it went wrong.
    public var offset: Int

    /// An error of `code` at byte `offset`.
    public init(_ code: Code, at offset: Int) {
        self.code = code
        self.offset = offset
    }

    /// For example `invalid number at byte 12`.
    public var description: String { "\(code.summary) at byte \(offset)" }
}
