public import JSON

/// A thread message (`S.MessageObject`).
public struct ThreadMessage: AssistantsObject, Hashable {
    public var id: String
    public var threadID: String?
    public var role: MessageRole
    public var status: MessageStatus?
    public var createdAt: Int64?
    public var completedAt: Int64?
    /// The run that wrote it (assistant messages), if any.
    public var runID: String?
    public var assistantID: String?
    public var content: [MessageContent]
    public var incompleteDetails: IncompleteDetails?
    public var metadata: Metadata
    public var raw: JSONObject

    public init(raw: JSONObject) throws(AssistantsError) {
        let reader = FieldReader(raw, "message")
        id = try reader.requiredString("id")
        threadID = reader.string("thread_id")
        role = MessageRole(rawValue: reader.string("role") ?? "")
        status = reader.string("status").map(MessageStatus.init(rawValue:))
        createdAt = reader.int64("created_at")
        completedAt = reader.int64("completed_at")
        runID = reader.string("run_id")
        assistantID = reader.string("assistant_id")
        content = reader.array("content").compactMap { $0.objectValue.map(MessageContent.init(raw:)) }
        incompleteDetails = reader.object("incomplete_details").map(IncompleteDetails.init(raw:))
        metadata = reader.metadata()
        self.raw = raw
    }

    /// The text parts' values joined with newlines.
    public var text: String { content.compactMap(\.text).joined(separator: "\n") }
}

/// One content part: `text` (with `text.value`), `image_file`, `image_url`, `refusal`, ….
public struct MessageContent: Sendable, Hashable {
    public var type: String
    /// `text.value` for text parts.
    public var text: String?
    public var raw: JSONObject

    public init(raw: JSONObject) {
        type = raw["type"]?.stringValue ?? ""
        text = type == "text" ? raw["text"]?["value"]?.stringValue : nil
        self.raw = raw
    }
}
