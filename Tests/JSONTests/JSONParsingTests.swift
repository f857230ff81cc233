import Testing
@testable import JSON

@Suite struct JSONParsingTests {
    @Test func scalars() throws {
        #expect(try parse("null") == .null)
        #expect(try parse("true") == .bool(true))
        #expect(try parse("false") == .bool(false))
        #expect(try parse("0") == .int(0))
        #expect(try parse("\"hi\"") == .string("hi"))
        #expect(try parse("[]") == .array([]))
        #expect(try parse("{}") == .object([:]))
    }

    @Test func surroundingWhitespace() throws {
        #expect(try parse(" \t\r\n[ 1 , 2 ]\n ") == [1, 2])
        #expect(try parse(" { \"a\" : [ ] , \"b\" : { } } ") == ["a": [], "b": [:]])
    }

    @Test func nestedDocument() throws {
        let value = try parse(#"{"id":"thread_1","object":"thread","metadata":{"owner":"u1"},"tools":[{"type":"code"}],"n":null}"#)
        #expect(value["id"]?.stringValue == "thread_1")
        #expect(value["metadata"]?["owner"] == "u1")
        #expect(value["tools"]?[0]?["type"] == "code")
        #expect(value["n"]?.isNull == true)
        #expect(value["missing"] == nil)
        #expect(value["tools"]?[1] == nil)
    }

    @Test func keyOrderIsPreserved() throws {
        let text = #"{"zeta":1,"alpha":2,"mid":3,"beta":4}"#
        let value = try parse(text)
        #expect(value.objectValue?.keys == ["zeta", "alpha", "mid", "beta"])
        #expect(value.jsonString == text)
    }

    @Test func duplicateKeysLastWinsAtFirstPosition() throws {
        let value = try parse(#"{"a":1,"b":2,"a":3}"#)
        #expect(value.objectValue?.keys == ["a", "b"])
        #expect(value["a"] == 3)
        #expect(value.jsonString == #"{"a":3,"b":2}"#)
    }

    @Test func largeObjectUsesIndexAndKeepsOrder() throws {
        let keys = (0..<100).map { "key\($0)" }
        let text = "{" + keys.enumerated().map { "\"\($1)\":\($0)" }.joined(separator: ",") + ",\"key5\":-1}"
        let value = try parse(text)
        #expect(value.objectValue?.keys == keys)
        #expect(value["key99"] == 99)
        #expect(value["key5"] == -1)
    }

    @Test func depthLimitAllowsExactly128() throws {
        let ok = String(repeating: "[", count: 128) + String(repeating: "]", count: 128)
        #expect(throws: Never.self) { try parse(ok) }
        let okObjects = String(repeating: "{\"a\":", count: 127) + "[1]" + String(repeating: "}", count: 127)
        #expect(throws: Never.self) { try parse(okObjects) }

        let deep = String(repeating: "[", count: 129) + String(repeating: "]", count: 129)
        #expect(parseError(deep) == JSONError(.tooDeep, at: 128))
        let deepObjects = String(repeating: "{\"a\":", count: 128) + "{}" + String(repeating: "}", count: 128)
        #expect(parseError(deepObjects)?.code == .tooDeep)
    }

    @Test func hugeNestingFailsFastWithoutCrashing() {
        let bytes = [UInt8](repeating: UInt8(ascii: "["), count: 100_000)
        #expect(parseError(bytes) == JSONError(.tooDeep, at: 128))
    }

    @Test func acceptsAnyByteCollection() throws {
        let bytes: [UInt8] = Array("  [1,\"x\"]".utf8)
        #expect(try JSONValue(parsing: bytes[2...]) == [1, "x"])
        #expect(try JSONValue(parsing: "{\"a\":true}".utf8) == ["a": true])
        #expect(try JSONValue(parsing: "[null]") == [nil])
        // A collection without contiguous storage takes the copying path.
        let lazyBytes = Array("[1,2]".utf8).lazy.map { $0 }
        #expect(try JSONValue(parsing: lazyBytes) == [1, 2])
    }
}
