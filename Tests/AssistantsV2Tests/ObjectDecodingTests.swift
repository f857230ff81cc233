import JSON
import Testing
@testable import AssistantsV2

@Suite struct ObjectDecodingTests {
    static func object(_ text: String) -> JSONObject {
        guard let object = (try? JSONValue(parsing: text))?.objectValue else { preconditionFailure("not an object: \(text)") }
        return object
    }

    @Test func runKeepsEverythingAndReadsWhatTheGatewayNeeds() throws {
        let text = #"""
            {"id":"run_1","object":"thread.run","created_at":1710330640,"assistant_id":"asst_1","thread_id":"thread_1","status":"requires_action","started_at":1710330641,"expires_at":1710331240,"cancelled_at":null,"failed_at":null,"completed_at":null,"required_action":{"type":"submit_tool_outputs","submit_tool_outputs":{"tool_calls":[{"id":"call_a","type":"function","function":{"name":"get_weather","arguments":"{\"query\":\"x\"}"}},{"id":"call_b","type":"function","function":{"name":"get_time","arguments":"{}"}}]}},"last_error":null,"model":"gpt-4o","instructions":null,"tools":[{"type":"function","function":{"name":"get_weather"}}],"metadata":{"owner":"u1","n":"2"},"usage":null,"future_field":{"nested":[1,2.5,"x"]},"temperature":1.0}
            """#
        let raw = Self.object(text)
        let run = try Run(raw: raw)
        #expect(run.id == "run_1")
        #expect(run.status == .requiresAction)
        #expect(run.status.isActive && !run.status.isTerminal)
        #expect(run.threadID == "thread_1")
        #expect(run.expiresAt == 1_710_331_240)
        #expect(run.toolCalls.map(\.id) == ["call_a", "call_b"])
        #expect(run.toolCalls.map(\.functionName) == ["get_weather", "get_time"])
        #expect(run.toolCalls.first?.arguments == #"{"query":"x"}"#)
        #expect(run.metadata == ["owner": "u1", "n": "2"])
        #expect(run.tools.map(\.functionName) == ["get_weather"])
        #expect(run.usage == nil && run.lastError == nil)
        // Nothing is lost: the raw object serializes back to the same bytes, unknown field included.
        #expect(run.json.jsonString == (try JSONValue(parsing: text)).jsonString)
        #expect(run.raw["future_field"]?["nested"]?[1] == .double(2.5))
        #expect(run.objectType == "thread.run")
    }

    @Test func unknownRunStatusIsKept() throws {
        let run = try Run(raw: ["id": "run_2", "status": "paused_for_review"])
        #expect(run.status == .other("paused_for_review"))
        #expect(run.status.rawValue == "paused_for_review")
        #expect(!run.status.isTerminal && !run.status.isActive)
        for status in ["queued", "in_progress", "requires_action", "cancelling", "cancelled", "failed", "completed", "incomplete", "expired"] {
            let decoded = RunStatus(rawValue: status)
            #expect(decoded.rawValue == status)
            if case .other = decoded { Issue.record("\(status) decoded as other") }
        }
    }

    @Test func failedAndIncompleteDetails() throws {
        let failed = try Run(raw: Self.object(#"{"id":"r","status":"failed","last_error":{"code":"server_error","message":"boom"},"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}"#))
        #expect(failed.lastError?.code == "server_error")
        #expect(failed.lastError?.message == "boom")
        #expect(failed.usage?.totalTokens == 7)
        let incomplete = try Run(raw: Self.object(#"{"id":"r","status":"incomplete","incomplete_details":{"reason":"max_completion_tokens"}}"#))
        #expect(incomplete.incompleteDetails?.reason == "max_completion_tokens")
        #expect(incomplete.status.isTerminal)
    }

    @Test func messageText() throws {
        let message = try ThreadMessage(raw: Self.object(#"""
            {"id":"msg_1","object":"thread.message","role":"assistant","status":"completed","run_id":"run_1","content":[{"type":"text","text":{"value":"Hello","annotations":[]}},{"type":"image_file","image_file":{"file_id":"f"}},{"type":"text","text":{"value":"World","annotations":[]}}],"metadata":{}}
            """#))
        #expect(message.role == .assistant)
        #expect(message.status == .completed)
        #expect(message.content.map(\.type) == ["text", "image_file", "text"])
        #expect(message.text == "Hello\nWorld")
        #expect(message.runID == "run_1")
    }

    @Test func missingIDIsAnInvalidResponse() {
        #expect(throws: AssistantsError.self) { try Run(raw: ["status": "queued"]) }
        do {
            _ = try AssistantThread(raw: ["id": 12])
            Issue.record("decoded a thread with a numeric id")
        } catch {
            #expect(error.kind == .invalidResponse)
        }
    }

    @Test func listEnvelope() throws {
        let list = try AssistantsList<ThreadMessage>(raw: Self.object(#"{"object":"list","data":[{"id":"msg_2"},{"id":"msg_1"}],"first_id":"msg_2","last_id":"msg_1","has_more":true}"#))
        #expect(list.ids == ["msg_2", "msg_1"])
        #expect(list.firstID == "msg_2" && list.lastID == "msg_1" && list.hasMore)
        #expect(throws: AssistantsError.self) { try AssistantsList<Run>(raw: ["object": "list"]) }
    }

    @Test func metadataKeepsOrderAndOnlyStrings() {
        var metadata = Metadata(json: ["b": "2", "a": "1", "n": 3])
        #expect(metadata.keys == ["b", "a"])
        metadata["c"] = "3"
        metadata["b"] = nil
        #expect(metadata.pairs.map(\.key) == ["a", "c"])
        #expect(metadata.json.jsonString == #"{"a":"1","c":"3"}"#)
    }
}
