import JSON

/// One thread (`S.ThreadObject`) with its messages and runs, oldest first.
struct ThreadRecord: Sendable {
    let id: String
    let createdAt: Int64  // Unix seconds
    var metadata: JSONObject
    var toolResources: JSONValue
    var messages: [MessageRecord] = []
    var runs: [RunRecord] = []
    /// The run that is queued, in_progress, requires_action or cancelling, if any.
    var activeRunID: String?

    var json: JSONValue {
        [
            "id": .string(id), "object": "thread", "created_at": .int(createdAt), "metadata": .object(metadata),
            "tool_resources": toolResources,
        ]
    }

    func messageIndex(_ id: String) -> Int? { messages.firstIndex { $0.id == id } }
    func runIndex(_ id: String) -> Int? { runs.firstIndex { $0.id == id } }
}
