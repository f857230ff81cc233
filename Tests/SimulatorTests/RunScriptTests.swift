import Simulator
import Testing

@Suite struct RunScriptTests {
    @Test func markersAreReadAndRemoved() {
        let script = RunScript(message: "hello [[slow:1500]] world [[fail]]  ")
        #expect(script.text == "hello world")
        #expect(script.ending == .fail)
        #expect(script.workMillis == 1500)
        #expect(script.rounds == nil)
    }

    @Test(arguments: [
        ("[[expire]] x", RunPlan.Ending.expire), ("x [[cancel]]", .cancel), ("x[[incomplete]]", .incomplete), ("x", .complete),
    ])
    func endings(message: String, ending: RunPlan.Ending) {
        #expect(RunScript(message: message).ending == ending)
    }

    @Test func unknownOrMalformedMarkersStayInTheText() {
        let script = RunScript(message: "a [[nope]] b [[slow:abc]] c [[rounds:99]] [[open")
        #expect(script.text == "a [[nope]] b [[slow:abc]] c [[rounds:99]] [[open")
        #expect(script.ending == .complete)
        #expect(script.workMillis == nil)
    }

    @Test func toolsAreCalledInToolListOrderOnlyWhenNamed() {
        let tools = ["get_weather", "get_time"]
        #expect(RunScript(message: "time? get_time and get_weather").toolsCalled(from: tools) == ["get_weather", "get_time"])
        #expect(RunScript(message: "nothing here").plan(availableTools: tools).toolRounds == 0)
        #expect(RunScript(message: "get_time [[rounds:2]]").plan(availableTools: tools).toolRounds == 2)
        #expect(RunScript(message: "[[rounds:2]] no tool").plan(availableTools: tools).toolRounds == 0)
        #expect(RunScript(message: "get_time").plan(availableTools: []).toolRounds == 0)
    }

    @Test func replyRule() {
        #expect(ReplyRule.reply(to: "hi") == "Echo: hi")
        #expect(ReplyRule.reply(to: "") == "Echo: (no user message)")
        #expect(
            ReplyRule.reply(to: "w", toolOutputs: [("get_weather", "sunny"), ("get_time", "noon")])
                == "Echo: w | tool outputs: get_weather=sunny, get_time=noon")
        #expect(ReplyRule.truncated("Echo: one two three") == "Echo: one")
        #expect(ReplyRule.truncated("Echo:") == "Echo:")
    }

    @Test(arguments: ["Echo: the quick brown fox jumps", "Echo: hi", "Echo:", "Echo:  two  spaces "])
    func chunksJoinBackToTheText(text: String) {
        let chunks = ReplyRule.chunks(text, count: 3)
        #expect(chunks.count == 3)
        #expect(chunks.joined() == text)
    }

    @Test func tokenEstimate() {
        #expect(ReplyRule.tokens("") == 0)
        #expect(ReplyRule.tokens("abcd") == 1)
        #expect(ReplyRule.tokens("abcde") == 2)
    }

    @Test func idsHaveThePrefixAnd24Alphanumerics() {
        var ids = IDGenerator(seed: 7)
        for kind in IDGenerator.Kind.allCases {
            let id = ids.make(kind)
            #expect(id.hasPrefix(kind.rawValue + "_"))
            let tail = id.dropFirst(kind.rawValue.count + 1)
            #expect(tail.count == 24)
            #expect(tail.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
        }
        var again = IDGenerator(seed: 7)
        #expect(again.make(.assistant) == IDGenerator(seed: 7).makeFirst(.assistant))
    }
}

extension IDGenerator {
    func makeFirst(_ kind: Kind) -> String {
        var copy = self
        return copy.make(kind)
    }
}
