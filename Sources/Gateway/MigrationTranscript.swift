import JSON

/// A thread's messages (`thread.message` objects, oldest first) as the message requests that
/// recreate them in another upstream: role and text only.
///
/// What a conversation item cannot hold is not dropped silently but counted by kind in
/// ``dropped``: content parts other than text (`image_file`, `image_url`, …), text
/// `annotation`s (file citations), `attachment`s (file search / code interpreter files) and
/// `message_metadata`. A message with no text part at all is not written (it counts in
/// ``skippedMessages``).
struct MigrationTranscript {
    private(set) var messages: [JSONValue] = []
    private(set) var read = 0
    private(set) var dropped: [String: Int] = [:]

    var skippedMessages: Int { read - messages.count }

    /// ``dropped`` as a JSON object (keys sorted, so equal counts give equal rows).
    var droppedObject: JSONObject {
        var object = JSONObject()
        for key in dropped.keys.sorted() { object[key] = .int(Int64(dropped[key] ?? 0)) }
        return object
    }

    mutating func add(_ message: JSONObject) {
        read += 1
        let role = message["role"]?.stringValue == "assistant" ? "assistant" : "user"
        if let role = message["role"]?.stringValue, role != "user", role != "assistant" { count("role_\(role)") }
        var parts: [JSONValue] = []
        for part in message["content"]?.arrayValue ?? [] {
            let type = part["type"]?.stringValue ?? "unknown"
            guard type == "text", let text = part["text"]?["value"]?.stringValue ?? part["text"]?.stringValue else {
                count(type)
                continue
            }
            parts.append(["type": "text", "text": .string(text)])
            let annotations = part["text"]?["annotations"]?.arrayValue?.count ?? 0
            if annotations > 0 { count("annotation", annotations) }
        }
        let attachments = message["attachments"]?.arrayValue?.count ?? 0
        if attachments > 0 { count("attachment", attachments) }
        if let metadata = message["metadata"]?.objectValue, !metadata.isEmpty { count("message_metadata") }
        guard !parts.isEmpty else { return }
        messages.append(["role": .string(role), "content": .array(parts)])
    }

    private mutating func count(_ kind: String, _ amount: Int = 1) {
        dropped[kind, default: 0] += amount
    }
}
