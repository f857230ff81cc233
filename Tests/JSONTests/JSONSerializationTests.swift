import Testing
@testable import JSON

@Suite struct JSONSerializationTests {
    @Test func compactOutput() {
        let value: JSONValue = ["id": "t_1", "list": [1, 2.5, true, false, nil], "empty": [:], "none": []]
        #expect(value.jsonString == #"{"id":"t_1","list":[1,2.5,true,false,null],"empty":{},"none":[]}"#)
    }

    @Test func serializeAppends() {
        var output = Array("prefix:".utf8)
        JSONValue.array([1]).serialize(into: &output)
        #expect(String(decoding: output, as: UTF8.self) == "prefix:[1]")
    }

    @Test func roundTripsRealisticDocument() throws {
        let text = #"{"id":"msg_abc123","object":"thread.message","created_at":1699017614,"thread_id":"thread_abc123","role":"assistant","content":[{"type":"text","text":{"value":"Hi \"there\"\n😀","annotations":[]}}],"attachments":[],"metadata":{},"score":-0.5,"big":1.0e+30}"#
        let value = try parse(text)
        let again = try JSONValue(parsing: value.serialized())
        #expect(again == value)
        #expect(value["big"] == .double(1e30))
        #expect(value.jsonString.hasPrefix(#"{"id":"msg_abc123","object":"thread.message","created_at":1699017614,"#))
    }

    @Test func nonContiguousStringsSerialize() {
        // A bridged-free substring-built string still serializes through the fallback path.
        let text = String("xx\"yy".dropFirst(1))
        #expect(JSONValue.string(text).jsonString == #""x\"yy""#)
    }
}
