import FoundationEssentials
import Testing
@testable import JSON

/// JSONValue nests inside Codable types decoded by Foundation.
@Suite struct JSONCodableTests {
    struct Envelope: Codable, Equatable {
        var name: String
        var metadata: JSONObject
        var payload: JSONValue
    }

    @Test func decodesInsideFoundationCodable() throws {
        let text = #"{"name":"n","metadata":{"owner":"u1","n":2},"payload":[1,2.5,"x",true,null,{"k":[]}]}"#
        let decoded = try JSONDecoder().decode(Envelope.self, from: Data(text.utf8))
        #expect(decoded.name == "n")
        #expect(decoded.metadata == ["owner": "u1", "n": 2])
        #expect(decoded.payload == [1, 2.5, "x", true, nil, ["k": []]])
    }

    @Test func encodesThroughFoundation() throws {
        let envelope = Envelope(name: "n", metadata: ["a": 1], payload: ["z": [true, nil, 1.5, "s"]])
        let data = try JSONEncoder().encode(envelope)
        let again = try JSONDecoder().decode(Envelope.self, from: data)
        #expect(again == envelope)
        let parsed = try JSONValue(parsing: [UInt8](data))
        #expect(parsed["payload"] == ["z": [true, nil, 1.5, "s"]])
    }

    @Test func topLevelScalars() throws {
        for value: JSONValue in [nil, true, 7, -2.5, "text", [], [:]] {
            let data = try JSONEncoder().encode(value)
            #expect(try JSONDecoder().decode(JSONValue.self, from: data) == value)
        }
    }
}
