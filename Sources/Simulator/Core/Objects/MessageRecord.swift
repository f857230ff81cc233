import JSON

/// One thread message (`S.MessageObject`).
struct MessageRecord: Sendable {
    let id: String
    let createdAt: Int64  // Unix seconds
    let threadID: String
    var status: String
    var incompleteDetails: JSONValue = .null
    var completedAt: Int64?  // seconds
    var incompleteAt: Int64?  // seconds
    let role: String
    var content: [JSONValue]
    var assistantID: String?
    var runID: String?
    var attachments: [JSONValue] = []
    var metadata: JSONObject = [:]

    static let createKeys: Set<String> = ["role", "content", "attachments", "metadata"]

    /// The text parts joined with newlines (what the echo rule reads).
    var text: String {
        content.compactMap { $0["type"]?.stringValue == "text" ? $0["text"]?["value"]?.stringValue : nil }
            .joined(separator: "\n")
    }

    /// A message from a create body (`S.CreateMessageRequest`) at `path` (empty for the body itself).
    static func parse(_ body: BodyReader) throws(SimulatorError) -> (role: String, content: [JSONValue], attachments: [JSONValue], metadata: JSONObject) {
        let role = try body.requiredString("role")
        guard role == "user" || role == "assistant" else {
            throw .invalidValue(body.param("role"), value: role, supported: ["user", "assistant"])
        }
        guard let raw = body.value("content") else { throw .missingParameter(body.param("content")) }
        let content = try parseContent(raw, param: body.param("content"))
        let attachments = try body.array("attachments") ?? []
        let metadata = try MetadataRules.validate(body.value("metadata"), param: body.param("metadata")) ?? [:]
        return (role, content, attachments, metadata)
    }

    /// A string, or an array of `text` / `image_url` / `image_file` parts, as stored content.
    static func parseContent(_ value: JSONValue, param: String) throws(SimulatorError) -> [JSONValue] {
        if let text = value.stringValue { return [.textContent(text)] }
        guard let parts = value.arrayValue else {
            throw .invalidType(param, expected: "a string or an array", got: value.kind)
        }
        guard !parts.isEmpty else {
            throw .invalid(
                "Invalid '\(param)': empty array. Expected an array with minimum length 1, but got an empty array instead.",
                param: param, code: "empty_array")
        }
        var content: [JSONValue] = []
        for (index, part) in parts.enumerated() {
            let path = "\(param)[\(index)]"
            guard let object = part.objectValue else { throw .invalidType(path, expected: "an object", got: part.kind) }
            guard let type = object["type"]?.stringValue else { throw .missingParameter("\(path).type") }
            switch type {
            case "text":
                let reader = try BodyReader(object, path: path, allowed: ["type", "text"])
                content.append(.textContent(try reader.requiredString("text")))
            case "image_url":
                let reader = try BodyReader(object, path: path, allowed: ["type", "image_url"])
                guard reader.value("image_url")?.objectValue != nil else { throw .missingParameter("\(path).image_url") }
                content.append(part)
            case "image_file":
                let reader = try BodyReader(object, path: path, allowed: ["type", "image_file"])
                guard reader.value("image_file")?.objectValue != nil else { throw .missingParameter("\(path).image_file") }
                content.append(part)
            default:
                throw .invalidValue("\(path).type", value: type, supported: ["text", "image_url", "image_file"])
            }
        }
        return content
    }

    var json: JSONValue {
        [
            "id": .string(id), "object": "thread.message", "created_at": .int(createdAt), "assistant_id": .text(assistantID),
            "thread_id": .string(threadID), "run_id": .text(runID), "status": .string(status),
            "incomplete_details": incompleteDetails, "completed_at": .integer(completedAt),
            "incomplete_at": .integer(incompleteAt), "role": .string(role), "content": .array(content),
            "attachments": .array(attachments), "metadata": .object(metadata),
        ]
    }
}
