public import JSON

/// One run step (`S.RunStepObject`): `message_creation` or `tool_calls`.
struct RunStepRecord: Sendable {
    let id: String
    let createdAt: Int64  // milliseconds
    let runID: String
    let assistantID: String
    let threadID: String
    let type: String
    var status = "in_progress"
    var details: JSONValue
    var lastError: JSONValue = .null
    var expiredAt: Int64?  // milliseconds
    var cancelledAt: Int64?
    var failedAt: Int64?
    var completedAt: Int64?
    var usage: (prompt: Int, completion: Int)?

    var json: JSONValue {
        [
            "id": .string(id), "object": "thread.run.step", "created_at": .seconds(createdAt), "run_id": .string(runID),
            "assistant_id": .string(assistantID), "thread_id": .string(threadID), "type": .string(type),
            "status": .string(status), "cancelled_at": .seconds(cancelledAt), "completed_at": .seconds(completedAt),
            "expired_at": .seconds(expiredAt), "failed_at": .seconds(failedAt), "last_error": lastError,
            "step_details": details, "metadata": [:],
            "usage": usage.map { .usage(prompt: $0.prompt, completion: $0.completion) } ?? .null,
        ]
    }
}

/// One function call a run asked for, and the output once submitted.
struct ToolCall: Sendable, Hashable {
    let id: String
    let name: String
    let arguments: String
    var output: String?

    /// As in `required_action.submit_tool_outputs.tool_calls` (`S.RunToolCallObject`).
    var requiredJSON: JSONValue {
        ["id": .string(id), "type": "function", "function": ["name": .string(name), "arguments": .string(arguments)]]
    }

    /// As in a tool-calls step's `step_details.tool_calls`.
    var stepJSON: JSONValue {
        [
            "id": .string(id), "type": "function",
            "function": ["name": .string(name), "arguments": .string(arguments), "output": .text(output)],
        ]
    }
}

/// A server-sent event of a run: `event: <name>` and its JSON `data`.
public struct StreamEvent: Sendable, Hashable {
    public let name: String
    public let data: JSONValue

    public init(name: String, data: JSONValue) {
        self.name = name
        self.data = data
    }
}

/// The events of a run kept while a stream reads them. Indexes are absolute: events dropped
/// when the last reader left still count, so a later reader's index stays valid.
struct EventLog: Sendable {
    private(set) var readers = 0
    private(set) var base = 0
    private(set) var events: [StreamEvent] = []

    var endIndex: Int { base + events.count }

    mutating func record(_ name: String, _ data: JSONValue) {
        guard readers > 0 else { return }
        events.append(StreamEvent(name: name, data: data))
    }

    mutating func addReader() { readers += 1 }

    mutating func removeReader() {
        readers = max(0, readers - 1)
        if readers == 0 {
            base += events.count
            events = []
        }
    }

    func events(from index: Int) -> ArraySlice<StreamEvent> {
        let start = max(0, index - base)
        guard start < events.count else { return [] }
        return events[start...]
    }
}
