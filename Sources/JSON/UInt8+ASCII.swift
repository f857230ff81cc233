/// The ASCII bytes the JSON grammar names.
extension UInt8 {
    static let tab = UInt8(ascii: "\t")
    static let lineFeed = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")
    static let space = UInt8(ascii: " ")
    static let quote = UInt8(ascii: "\"")
    static let plus = UInt8(ascii: "+")
    static let comma = UInt8(ascii: ",")
    static let minus = UInt8(ascii: "-")
    static let period = UInt8(ascii: ".")
    static let slash = UInt8(ascii: "/")
    static let zero = UInt8(ascii: "0")
    static let one = UInt8(ascii: "1")
    static let nine = UInt8(ascii: "9")
    static let colon = UInt8(ascii: ":")
    static let upperA = UInt8(ascii: "A")
    static let upperE = UInt8(ascii: "E")
    static let upperF = UInt8(ascii: "F")
    static let openBracket = UInt8(ascii: "[")
    static let backslash = UInt8(ascii: "\\")
    static let closeBracket = UInt8(ascii: "]")
    static let letterA = UInt8(ascii: "a")
    static let letterB = UInt8(ascii: "b")
    static let letterE = UInt8(ascii: "e")
    static let letterF = UInt8(ascii: "f")
    static let letterL = UInt8(ascii: "l")
    static let letterN = UInt8(ascii: "n")
    static let letterR = UInt8(ascii: "r")
    static let letterS = UInt8(ascii: "s")
    static let letterT = UInt8(ascii: "t")
    static let letterU = UInt8(ascii: "u")
    static let openBrace = UInt8(ascii: "{")
    static let closeBrace = UInt8(ascii: "}")

    var isDigit: Bool { self >= .zero && self <= .nine }

    /// ASCII that stands for itself inside a JSON string: not a control character, quote or
    /// backslash.
    var isPlainStringASCII: Bool { self >= 0x20 && self < 0x80 && self != .quote && self != .backslash }
}
