import JSON

/// One response (`Response`) with its lifecycle, output items and stream events.
struct ResponseRecord: Sendable {
    let id: String
    let createdAt: Int64  // milliseconds
    var lifecycle: ResponseLifecycle
    let background: Bool
    let model: String
    let instructions: String?
    let tools: [JSONValue]
    var metadata: JSONObject
    let conversationID: String?
    let previousResponseID: String?
    let temperature: JSONValue
    let topP: JSONValue
    let toolChoice: JSONValue
    let parallelToolCalls: Bool
    let maxOutputTokens: JSONValue
    /// The input items as stored (with ids), for `input_items` and the conversation.
    var inputItems: [JSONValue]
    var output: [JSONValue] = []

    /// The echoed user text (markers removed).
    let script: RunScript
    /// Function tools this response calls; empty when it answers with a message.
    let calledTools: [String]
    /// The full reply (already cut for `[[incomplete]]`) and what is written so far.
    let replyText: String
    var replyWritten = ""
    var inputTokens: Int
    var outputTokens = 0

    var completedAt: Int64?
    var error: JSONValue = .null
    var incompleteDetails: JSONValue = .null
    /// Every event so far; an event's `sequence_number` is its index.
    var events: [StreamEvent] = []

    var status: ResponseLifecycle.Status { lifecycle.status }

    var json: JSONValue {
        let usage: JSONValue
        switch status {
        case .completed, .incomplete:
            usage = [
                "input_tokens": .int(Int64(inputTokens)), "input_tokens_details": ["cached_tokens": 0],
                "output_tokens": .int(Int64(outputTokens)), "output_tokens_details": ["reasoning_tokens": 0],
                "total_tokens": .int(Int64(inputTokens + outputTokens)),
            ]
        case .queued, .inProgress, .failed, .cancelled:
            usage = .null
        }
        return [
            "id": .string(id), "object": "response", "created_at": .seconds(createdAt), "status": .string(status.rawValue),
            "background": .bool(background), "completed_at": .seconds(completedAt),
            "conversation": conversationID.map { ["id": .string($0)] } ?? .null, "error": error,
            "incomplete_details": incompleteDetails, "instructions": .text(instructions),
            "max_output_tokens": maxOutputTokens, "model": .string(model), "output": .array(output),
            "parallel_tool_calls": .bool(parallelToolCalls), "previous_response_id": .text(previousResponseID),
            "reasoning": ["effort": .null, "summary": .null], "store": true, "temperature": temperature,
            "text": ["format": ["type": "text"]], "tool_choice": toolChoice, "tools": .array(tools), "top_p": topP,
            "truncation": "disabled", "usage": usage, "user": .null, "metadata": .object(metadata),
        ]
    }

    /// Appends event `type` with `fields` and the next `sequence_number`.
    mutating func record(_ type: String, _ fields: JSONObject = [:]) {
        var data: JSONObject = ["type": .string(type)]
        for (key, value) in fields { data[key] = value }
        data["sequence_number"] = .int(Int64(events.count))
        events.append(StreamEvent(name: type, data: .object(data)))
    }

    /// Appends a `response.*` event carrying the response object.
    mutating func recordResponse(_ type: String) {
        record(type, ["response": json])
    }
}
