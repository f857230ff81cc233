import JSON
import Testing
import UpstreamHTTP
@testable import AssistantsV2

@Suite struct StreamEventDecodingTests {
    @Test(arguments: RunEvent.allCases)
    func runEvents(event: RunEvent) throws {
        let decoded = try AssistantStreamEvent(ServerSentEvent(event: "thread.run.\(event.rawValue)", data: #"{"id":"run_1","status":"queued"}"#))
        guard case .run(let kind, let run) = decoded else {
            Issue.record("decoded \(decoded.name)")
            return
        }
        #expect(kind == event)
        #expect(run.id == "run_1")
        #expect(decoded.name == "thread.run.\(event.rawValue)")
        #expect(decoded.run?.status == .queued)
    }

    @Test func stepAndMessageEvents() throws {
        for event in RunStepEvent.allCases {
            let decoded = try AssistantStreamEvent(ServerSentEvent(event: "thread.run.step.\(event.rawValue)", data: #"{"id":"step_1","type":"message_creation","step_details":{"type":"message_creation","message_creation":{"message_id":"msg_1"}}}"#))
            guard case .runStep(event, let step) = decoded else {
                Issue.record("decoded \(decoded.name)")
                continue
            }
            #expect(step.messageID == "msg_1")
        }
        for event in MessageEvent.allCases {
            let decoded = try AssistantStreamEvent(ServerSentEvent(event: "thread.message.\(event.rawValue)", data: #"{"id":"msg_1","role":"assistant","content":[]}"#))
            #expect(decoded.name == "thread.message.\(event.rawValue)")
        }
        let thread = try AssistantStreamEvent(ServerSentEvent(event: "thread.created", data: #"{"id":"thread_1","metadata":{"k":"v"}}"#))
        guard case .threadCreated(let created) = thread else {
            Issue.record("decoded \(thread.name)")
            return
        }
        #expect(created.metadata["k"] == "v")
    }

    @Test func deltas() throws {
        let message = try AssistantStreamEvent(ServerSentEvent(
            event: "thread.message.delta",
            data: #"{"id":"msg_1","object":"thread.message.delta","delta":{"content":[{"index":0,"type":"text","text":{"value":"Echo: "}},{"index":0,"type":"text","text":{"value":"hi"}}]}}"#))
        guard case .messageDelta(let delta) = message else {
            Issue.record("decoded \(message.name)")
            return
        }
        #expect(delta.text == "Echo: hi")
        #expect(delta.content.map(\.index) == [0, 0])
        let step = try AssistantStreamEvent(ServerSentEvent(
            event: "thread.run.step.delta", data: #"{"id":"step_1","delta":{"step_details":{"type":"tool_calls","tool_calls":[]}}}"#))
        guard case .runStepDelta(let stepDelta) = step else {
            Issue.record("decoded \(step.name)")
            return
        }
        #expect(stepDelta.stepDetails?["type"] == "tool_calls")
    }

    @Test func doneErrorAndUnknown() throws {
        guard case .done = try AssistantStreamEvent(ServerSentEvent(event: "done", data: "[DONE]")) else {
            Issue.record("done")
            return
        }
        guard case .done = try AssistantStreamEvent(ServerSentEvent(data: "[DONE]")) else {
            Issue.record("bare [DONE]")
            return
        }
        let error = try AssistantStreamEvent(ServerSentEvent(
            event: "error", data: #"{"code":"server_error","message":"Sorry","param":null,"type":"server_error"}"#))
        guard case .error(let failure) = error else {
            Issue.record("error")
            return
        }
        #expect(failure.kind == .streamError)
        #expect(failure.code == "server_error" && failure.message == "Sorry")
        for name in ["thread.run.paused", "thread.run.step.thinking", "thread.message.reviewed", "response.created", "message"] {
            let unknown = try AssistantStreamEvent(ServerSentEvent(event: name == "message" ? nil : name, data: "not json"))
            guard case .unknown(name, "not json") = unknown else {
                Issue.record("\(name) decoded as \(unknown.name)")
                continue
            }
        }
    }

    @Test func knownEventWithBadDataThrows() {
        #expect(throws: AssistantsError.self) {
            try AssistantStreamEvent(ServerSentEvent(event: "thread.run.created", data: "{not json"))
        }
        #expect(throws: AssistantsError.self) {
            try AssistantStreamEvent(ServerSentEvent(event: "thread.run.created", data: "[1]"))
        }
    }
}
