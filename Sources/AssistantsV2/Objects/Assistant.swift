public import JSON

/// An assistant (`S.AssistantObject`).
public struct Assistant: AssistantsObject, Hashable {
    public var id: String
    public var createdAt: Int64?
    public var name: String?
    public var description: String?
    public var model: String?
    public var instructions: String?
    public var tools: [AssistantTool]
    public var metadata: Metadata
    public var raw: JSONObject

    public init(raw: JSONObject) throws(AssistantsError) {
        let reader = FieldReader(raw, "assistant")
        id = try reader.requiredString("id")
        createdAt = reader.int64("created_at")
        name = reader.string("name")
        description = reader.string("description")
        model = reader.string("model")
        instructions = reader.string("instructions")
        tools = reader.tools()
        metadata = reader.metadata()
        self.raw = raw
    }
}

/// A thread (`S.ThreadObject`). Named so it never shadows a platform `Thread`.
public struct AssistantThread: AssistantsObject, Hashable {
    public var id: String
    public var createdAt: Int64?
    public var metadata: Metadata
    public var raw: JSONObject

    public init(raw: JSONObject) throws(AssistantsError) {
        let reader = FieldReader(raw, "thread")
        id = try reader.requiredString("id")
        createdAt = reader.int64("created_at")
        metadata = reader.metadata()
        self.raw = raw
    }
}

/// The answer to a delete (`{"id","object":"….deleted","deleted":true}`).
public struct DeletionStatus: AssistantsObject, Hashable {
    public var id: String
    public var deleted: Bool
    public var raw: JSONObject

    public init(raw: JSONObject) throws(AssistantsError) {
        let reader = FieldReader(raw, "deletion status")
        id = try reader.requiredString("id")
        deleted = reader.bool("deleted") ?? false
        self.raw = raw
    }
}
