import JSON
import Simulator
import Testing

/// Conversations and responses on the state alone: time as a parameter, no sockets.
@Suite struct SimulatorStateResponsesTests {
    let t0: Int64 = 1_700_000_000_000

    func makeState() -> SimulatorState {
        SimulatorState(seed: 7, timing: RunTiming(queuedMillis: 50, workMillis: 200), now: t0)
    }

    @Test func backgroundResponseAdvancesLazilyAndFreesTheConversation() throws {
        var state = makeState()
        let conversation = try state.createConversation([:], now: t0)["id"]!.stringValue!
        let start = try state.createResponse(
            object(#"{"conversation":"\#(conversation)","input":"hi","background":true}"#), now: t0)
        #expect(start.json["status"] == "queued")
        #expect(try state.response(start.responseID, now: t0 + 49).json["status"] == "queued")
        #expect(try state.response(start.responseID, now: t0 + 50).json["status"] == "in_progress")
        let error = simulatorError {
            _ = try state.createResponse(object(#"{"conversation":"\#(conversation)","input":"again"}"#), now: t0 + 60)
        }
        #expect(error?.code == "conversation_locked")
        #expect(try state.listConversationItems(conversation, ListQuery(), now: t0 + 100).ids.isEmpty)
        // Polled late: completed_at is the instant it was due, not the poll.
        let done = try state.response(start.responseID, now: t0 + 10_000)
        #expect(done.isTerminal)
        #expect(done.json["completed_at"]?.intValue == Int((t0 + 250) / 1000))
        #expect(try state.listConversationItems(conversation, ListQuery(order: .asc), now: t0 + 10_000).ids.count == 2)
        #expect(state.nextDeadline == nil)
        #expect(state.counters.conversationBusyRejections == 1)
    }

    @Test func eventsAreNumberedFromZero() throws {
        var state = makeState()
        let start = try state.createResponse(object(#"{"input":"numbers","background":true}"#), now: t0)
        let batch = try state.readResponseEvents(start.responseID, from: 0, now: t0 + 10_000)
        #expect(batch.finished)
        #expect(batch.events.map { $0.data["sequence_number"]?.intValue } == Array(0..<batch.events.count).map { $0 })
        #expect(batch.events.first?.name == "response.created")
        #expect(batch.events.last?.name == "response.completed")
        let tail = try state.readResponseEvents(start.responseID, from: batch.nextIndex - 1, now: t0 + 10_000)
        #expect(tail.events.map(\.name) == ["response.completed"])
    }

    @Test func validationErrors() {
        var state = makeState()
        #expect(simulatorError { _ = try state.createResponse([:], now: t0) }?.code == "missing_required_parameter")
        #expect(simulatorError { _ = try state.createResponse(object(#"{"input":"x","bogus":1}"#), now: t0) }?.param == "bogus")
        #expect(
            simulatorError {
                _ = try state.createResponse(object(#"{"input":"x","conversation":"conv_a","previous_response_id":"resp_b"}"#), now: t0)
            }?.code == "mutually_exclusive_parameters")
        #expect(
            simulatorError {
                _ = try state.createResponse(object(#"{"input":[{"type":"function_call_output","output":"x"}]}"#), now: t0)
            }?.param == "input[0].call_id")
        #expect(simulatorError { _ = try state.updateConversation("conv_missing", ["metadata": [:]]) }?.status == 404)
    }
}
