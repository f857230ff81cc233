import JSON

/// The `threadgate_run` metadata pair every response of a run carries: which assistant the
/// run is for and, on the responses of later tool rounds, where the chain started.
///
/// One frontend run is a chain of upstream responses: the first (whose id *is* the run id the
/// frontend keeps) and one more per `submit_tool_outputs`. Rendered as space-separated fields:
///
/// - first response: `<assistant_id>`
/// - later rounds: `<assistant_id> <first_id> <first_created_at> <previous_id> <prompt_tokens> <completion_tokens>`,
///   the token counts summing every earlier round, so the last response alone gives the
///   run's usage.
struct RunTag: Sendable, Hashable {
    static let key = "threadgate_run"

    var assistantID: String
    var continuation: Continuation?

    struct Continuation: Sendable, Hashable {
        var firstID: String
        var firstCreatedAt: Int64
        var previousID: String
        var promptTokens: Int64
        var completionTokens: Int64
    }

    init(assistantID: String, continuation: Continuation? = nil) {
        self.assistantID = assistantID
        self.continuation = continuation
    }

    /// The tag of a response, if it has one.
    init?(response: JSONObject) {
        guard let text = response["metadata"]?[Self.key]?.stringValue else { return nil }
        let fields = text.split(separator: " ").map(String.init)
        switch fields.count {
        case 1:
            self.init(assistantID: fields[0])
        case 6:
            guard let createdAt = Int64(fields[2]), let prompt = Int64(fields[4]), let completion = Int64(fields[5]) else { return nil }
            self.init(
                assistantID: fields[0],
                continuation: Continuation(
                    firstID: fields[1], firstCreatedAt: createdAt, previousID: fields[3], promptTokens: prompt,
                    completionTokens: completion))
        default:
            return nil
        }
    }

    var rendered: String {
        guard let continuation else { return assistantID }
        return [
            assistantID, continuation.firstID, String(continuation.firstCreatedAt), continuation.previousID,
            String(continuation.promptTokens), String(continuation.completionTokens),
        ].joined(separator: " ")
    }
}

/// The `threadgate_runs` metadata pair of a conversation: for its most recent runs that went
/// through tool rounds, the latest response of each chain.
///
/// Rendered newest first as `<first_id>><latest_id>` entries separated by spaces, with
/// `>cancelled` appended when the run was cancelled while it awaited tool outputs. Only as
/// many entries as fit the upstream's 512-character value limit are kept (four with OpenAI's
/// ids): the gateway serializes the turns of a thread, so only the newest run can still move.
struct RunPointers: Sendable, Hashable {
    static let key = "threadgate_runs"
    static let maxLength = 512

    struct Entry: Sendable, Hashable {
        var firstID: String
        var latestID: String
        var cancelled: Bool
    }

    var entries: [Entry]

    init(metadata: JSONObject?) {
        let text = metadata?[Self.key]?.stringValue ?? ""
        entries = text.split(separator: " ").compactMap { field in
            let parts = field.split(separator: ">").map(String.init)
            guard parts.count == 2 || (parts.count == 3 && parts[2] == "cancelled") else { return nil }
            return Entry(firstID: parts[0], latestID: parts[1], cancelled: parts.count == 3)
        }
    }

    func entry(for firstID: String) -> Entry? { entries.first { $0.firstID == firstID } }

    /// Makes `entry` the newest, replacing the run's older entry.
    mutating func record(_ entry: Entry) {
        entries.removeAll { $0.firstID == entry.firstID }
        entries.insert(entry, at: 0)
    }

    /// The metadata value: newest entries first, as many as fit.
    var rendered: String {
        var text = ""
        for entry in entries {
            let field = entry.firstID + ">" + entry.latestID + (entry.cancelled ? ">cancelled" : "")
            let next = text.isEmpty ? field : text + " " + field
            guard next.count <= Self.maxLength else { break }
            text = next
        }
        return text
    }
}

extension JSONObject {
    /// This metadata without threadgate's own pairs (`threadgate_…`).
    var withoutThreadgateKeys: JSONObject {
        var result = JSONObject()
        for (key, value) in self where !key.hasPrefix("threadgate_") { result[key] = value }
        return result
    }
}
