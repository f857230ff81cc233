import JSON
@testable import ResponsesV1
import Testing

@Suite struct ProfileParsing {
    @Test func parsesBothToolShapes() throws {
        let profiles = try ResponsesProfile.parse(Array("""
            {"asst_default": {"model": "gpt-4o", "instructions": "Be kind.",
                              "tools": [{"type": "function", "name": "a"},
                                        {"type": "function", "function": {"name": "b", "parameters": {"type": "object"}}}]},
             "asst_plain": {"model": "gpt-4o-mini"}}
            """.utf8)).sorted { $0.assistantID < $1.assistantID }
        #expect(profiles.map(\.assistantID) == ["asst_default", "asst_plain"])
        #expect(profiles[0].instructions == "Be kind.")
        #expect(profiles[0].tools == [["type": "function", "name": "a"], ["type": "function", "name": "b", "parameters": ["type": "object"]]])
        #expect(profiles[1].instructions == nil && profiles[1].tools.isEmpty)
    }

    @Test(arguments: [
        "[]", "{\"a\": {}}", "{\"a\": {\"model\": 1}}", "{\"a b\": {\"model\": \"m\"}}",
        "{\"a\": {\"model\": \"m\", \"tools\": [{\"type\": \"code_interpreter\"}]}}", "{\"a\": {\"model\": \"m\", \"extra\": 1}}", "{",
    ])
    func refusesBadFiles(_ text: String) {
        #expect(throws: ResponsesProfileError.self) { try ResponsesProfile.parse(Array(text.utf8)) }
    }
}

@Suite struct RunChainFormats {
    @Test func tagRoundTrips() {
        let first = RunTag(assistantID: "asst_a")
        let later = RunTag(
            assistantID: "asst_a",
            continuation: .init(firstID: "resp_1", firstCreatedAt: 1_700_000_000, previousID: "resp_2", promptTokens: 12, completionTokens: 3))
        for tag in [first, later] {
            #expect(RunTag(response: ["metadata": ["threadgate_run": .string(tag.rendered)]]) == tag)
        }
        #expect(RunTag(response: ["metadata": ["threadgate_run": "a b c"]]) == nil)
        #expect(RunTag(response: ["metadata": [:]]) == nil)
    }

    @Test func pointersKeepTheNewestThatFit() {
        var pointers = RunPointers(metadata: nil)
        let id = { (n: Int) in "resp_" + String(repeating: "x", count: 48) + String(n) }
        for n in 0..<10 { pointers.record(.init(firstID: id(n), latestID: id(n + 100), cancelled: n == 9)) }
        pointers.record(.init(firstID: id(8), latestID: id(200), cancelled: false))
        let rendered = pointers.rendered
        #expect(rendered.count <= 512)
        let parsed = RunPointers(metadata: ["threadgate_runs": .string(rendered)])
        #expect(parsed.entries.first == .init(firstID: id(8), latestID: id(200), cancelled: false))
        #expect(parsed.entry(for: id(9))?.cancelled == true)
        #expect(parsed.entries.count == 4)
        #expect(parsed.entry(for: id(0)) == nil)
    }
}
