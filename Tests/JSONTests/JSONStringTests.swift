import Testing
@testable import JSON

@Suite struct JSONStringTests {
    @Test func simpleEscapes() throws {
        let value = try parse(#""q\" b\\ s\/ \b\f\n\r\t end""#)
        #expect(value == .string("q\" b\\ s/ \u{8}\u{C}\n\r\t end"))
    }

    @Test func unicodeEscapes() throws {
        #expect(try parse(#""\u0041\u00e9\u20AC""#) == "Aé€")
        #expect(try parse(#""\u0000""#) == .string("\u{0}"))
        #expect(try parse(#""\uD83D\uDE00""#) == "😀")
        #expect(try parse(#""a\ud834\udd1eb""#) == "a𝄞b")
        #expect(try parse(#""\uFFFF""#) == .string("\u{FFFF}"))
    }

    @Test func rawUTF8PassesThrough() throws {
        let text = "héllo wörld — 日本語 😀 \u{10FFFF}"
        #expect(try parse("\"\(text)\"") == .string(text))
        #expect(try parse("{\"ключ\":\"значение\"}")["ключ"] == "значение")
    }

    @Test func deleteAndHighControlCharactersAreAllowedRaw() throws {
        #expect(try parse("\"\u{7F}\u{85}\u{2028}\"") == .string("\u{7F}\u{85}\u{2028}"))
    }

    @Test func serializerEscapesOnlyWhatItMust() {
        let value: JSONValue = .string("a\"b\\c/d\n\r\t\u{8}\u{C}\u{0}\u{1F}\u{7F}é😀")
        #expect(value.jsonString == #""a\"b\\c/d\n\r\t\b\f\u0000\u001f"# + "\u{7F}é😀\"")
    }

    @Test func escapedStringsRoundTrip() throws {
        for scalar in (0..<0x80).compactMap(Unicode.Scalar.init) {
            let value = JSONValue.string("x\(scalar)y")
            #expect(try JSONValue(parsing: value.serialized()) == value)
        }
    }

    @Test func keysAreEscapedToo() throws {
        let value: JSONValue = ["a\"\n": 1]
        #expect(value.jsonString == #"{"a\"\n":1}"#)
        #expect(try parse(value.jsonString) == value)
    }

    @Test func longStringsWithEscapesAtTheEdges() throws {
        let body = String(repeating: "abcdefgh", count: 1000)
        let value = JSONValue.string("\n" + body + "\"")
        #expect(try JSONValue(parsing: value.serialized()) == value)
    }
}
