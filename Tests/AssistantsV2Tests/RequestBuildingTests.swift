import JSON
import Testing
import UpstreamHTTP
@testable import AssistantsV2

/// Requests built without sending them: URLs, headers, bodies.
@Suite struct RequestBuildingTests {
    @Test func urlsEscapeIdsAndQueries() {
        #expect(AssistantsClient.pathSegment("thread_abc-1.x~") == "thread_abc-1.x~")
        #expect(AssistantsClient.pathSegment("../runs?x=1#f") == "..%2Fruns%3Fx%3D1%23f")
        #expect(AssistantsClient.pathSegment("é ") == "%C3%A9%20")
        #expect(AssistantsClient.runPath("t/1", "r 2") == "/threads/t%2F1/runs/r%202")
        #expect(ListParameters(limit: 5, order: .asc, after: "msg_1", before: "msg_9").query.map { "\($0.0)=\($0.1)" }
            == ["limit=5", "order=asc", "after=msg_1", "before=msg_9"])
    }

    @Test func bodiesPutTypedFieldsOverExtra() {
        let run = CreateRunRequest(
            assistantID: "asst_default", instructions: "Be brief.", additionalMessages: [.user("hi", metadata: ["m": "1"])],
            tools: [.function(name: "get_time")], metadata: ["k": "v"],
            extra: ["assistant_id": "asst_evil", "temperature": 0.5])
        #expect(
            JSONValue.object(run.body).jsonString
                == #"{"assistant_id":"asst_default","temperature":0.5,"instructions":"Be brief.","additional_messages":[{"role":"user","content":"hi","metadata":{"m":"1"}}],"tools":[{"type":"function","function":{"name":"get_time"}}],"metadata":{"k":"v"}}"#
        )
        let thread = CreateThreadRequest(messages: [.user("a")], metadata: ["owner": "u"])
        #expect(JSONValue.object(thread.body).jsonString == #"{"messages":[{"role":"user","content":"a"}],"metadata":{"owner":"u"}}"#)
        #expect(CreateThreadRequest().body.isEmpty)
        let outputs = AssistantsClient.toolOutputsBody([ToolOutput(toolCallID: "call_1", output: "sunny")])
        #expect(JSONValue.object(outputs).jsonString == #"{"tool_outputs":[{"tool_call_id":"call_1","output":"sunny"}]}"#)
    }

    @Test func errorBodiesDecode() {
        let body = Array(#"{"error":{"message":"Can't add messages to thread_1 while a run run_2 is active.","type":"invalid_request_error","param":null,"code":null}}"#.utf8)
        let error = AssistantsClient.apiError(status: 400, body: body, headers: ["x-request-id": "req_1"], attempts: 1, target: "POST /threads/thread_1/messages")
        #expect(error.kind == .api && error.status == 400)
        #expect(error.type == "invalid_request_error" && error.code == nil && error.param == nil)
        #expect(error.isRunActive)
        #expect(error.activeRunID == "run_2")
        #expect(error.upstreamRequestID == "req_1")
        #expect(!error.description.contains("thread_1"), "description stays generic")
        #expect(error.debugDescription.contains("thread_1"))
        let html = AssistantsClient.apiError(status: 502, body: Array("<html>bad gateway</html>".utf8), headers: ["retry-after": "2"], attempts: 3, target: "")
        #expect(html.type == nil && html.status == 502 && html.attempts == 3)
        #expect(html.retryAfter == .seconds(2))
        #expect(AssistantsClient.retryAfter(["retry-after-ms": "250", "retry-after": "9"]) == .milliseconds(250))
    }
}
