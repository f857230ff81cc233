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

@Suite struct JSONScanningTests {
    /// The word-at-a-time scanners must find a special byte at any offset of any length.
    @Test func specialBytesAtEveryOffset() throws {
        let specials: [String] = ["\"", "\\", "\n", "\u{1}", "\u{1F}", "é", "😀", "\u{7F}"]
        for length in 0..<20 {
            for offset in 0...length {
                for special in specials {
                    let text = String(repeating: "a", count: offset) + special + String(repeating: "b", count: length - offset)
                    let value = JSONValue.string(text)
                    let bytes = value.serialized()
                    #expect(try JSONValue(parsing: bytes) == value, "\(text.debugDescription)")
                    #expect(bytes.count == value.jsonString.utf8.count)
                }
            }
        }
    }

    @Test func rawControlCharacterOffsetIsExactAtEveryPosition() {
        for offset in 0..<20 {
            let text = "\"" + String(repeating: "x", count: offset) + "\u{2}" + String(repeating: "y", count: 9) + "\""
            #expect(parseError(text) == JSONError(.controlCharacter, at: 1 + offset))
        }
    }

    @Test func keysCompareByBytes() throws {
        let precomposed = "\u{E9}"
        let decomposed = "e\u{301}"
        let value = try parse("{\"\(precomposed)\":1,\"\(decomposed)\":2}")
        #expect(value.objectValue?.count == 2)
        #expect(value[precomposed] == 1)
        #expect(value[decomposed] == 2)
        var big = JSONObject()
        for n in 0..<20 { big["k\(n)"] = .int(Int64(n)) }
        big[precomposed] = 1
        big[decomposed] = 2
        #expect(big.count == 22)
        #expect(big[decomposed] == 2)
    }
}
