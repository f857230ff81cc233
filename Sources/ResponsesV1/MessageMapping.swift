import JSON
import UpstreamAPI

/// Frontend messages (`thread.message`, Assistants v2) ⇄ conversation message items.
enum MessageMapping {
    /// A frontend message (`{"role","content","attachments"?,"metadata"?}`) as an input item.
    ///
    /// Text parts become `input_text` (`output_text` for assistant messages), image parts
    /// `input_image`. Message metadata has no place on an item and is dropped; attachments
    /// (file search, code interpreter) have no equivalent and are refused.
    static func item(fromMessage value: JSONValue, param: String) throws(UpstreamAPIError) -> JSONObject {
        guard let message = value.objectValue else { throw ResponsesTransport.refused("Invalid '\(param)': expected an object.", param: param) }
        let role = message["role"]?.stringValue ?? "user"
        guard role == "user" || role == "assistant" else {
            throw ResponsesTransport.refused(
                "Invalid value for '\(param).role': expected one of 'user' or 'assistant'.", param: "\(param).role",
                code: "invalid_value")
        }
        if let attachments = message["attachments"]?.arrayValue, !attachments.isEmpty {
            throw ResponsesTransport.refused(
                "Message attachments are not supported by the Responses upstream.", param: "\(param).attachments",
                code: "unsupported_parameter")
        }
        let textType: JSONValue = role == "assistant" ? "output_text" : "input_text"
        var content: [JSONValue] = []
        if let text = message["content"]?.stringValue {
            content = [["type": textType, "text": .string(text)]]
        } else if let parts = message["content"]?.arrayValue {
            for (index, part) in parts.enumerated() {
                switch part["type"]?.stringValue {
                case "text":
                    guard let text = part["text"]?.stringValue ?? part["text"]?["value"]?.stringValue else {
                        throw ResponsesTransport.refused("Missing '\(param).content[\(index)].text'.", param: "\(param).content[\(index)].text")
                    }
                    content.append(["type": textType, "text": .string(text)])
                case "image_url":
                    var image: JSONObject = ["type": "input_image", "image_url": part["image_url"]?["url"] ?? .null]
                    image["detail"] = part["image_url"]?["detail"] ?? "auto"
                    content.append(.object(image))
                case "image_file":
                    var image: JSONObject = ["type": "input_image", "file_id": part["image_file"]?["file_id"] ?? .null]
                    image["detail"] = part["image_file"]?["detail"] ?? "auto"
                    content.append(.object(image))
                default:
                    throw ResponsesTransport.refused(
                        "Invalid '\(param).content[\(index)].type': expected 'text', 'image_url' or 'image_file'.",
                        param: "\(param).content[\(index)].type", code: "invalid_value")
                }
            }
        } else {
            throw ResponsesTransport.refused("Missing required parameter: '\(param).content'.", param: "\(param).content")
        }
        return ["type": "message", "role": .string(role), "content": .array(content)]
    }

    /// A user or assistant message item (the only items the frontend sees).
    static func isMessage(_ item: JSONObject) -> Bool {
        guard item["type"]?.stringValue == "message", let role = item["role"]?.stringValue else { return false }
        return role == "user" || role == "assistant"
    }

    /// A message item as a `thread.message`.
    ///
    /// - Parameters:
    ///   - createdAt: items carry no time, so the caller decides (the conversation's `created_at`).
    ///   - runID, assistantID: known only when the message was read from a run's responses.
    static func message(
        fromItem item: JSONObject, threadID: String, createdAt: JSONValue, runID: String? = nil, assistantID: String? = nil
    ) -> JSONObject {
        var content: [JSONValue] = []
        for part in item["content"]?.arrayValue ?? [] {
            switch part["type"]?.stringValue {
            case "input_text", "output_text":
                let annotations = part["annotations"]?.arrayValue ?? []
                content.append(["type": "text", "text": ["value": part["text"] ?? "", "annotations": .array(annotations)]])
            case "refusal":
                content.append(["type": "refusal", "refusal": part["refusal"] ?? ""])
            case "input_image":
                if let url = part["image_url"], !url.isNull {
                    content.append(["type": "image_url", "image_url": ["url": url, "detail": part["detail"] ?? "auto"]])
                } else if let file = part["file_id"], !file.isNull {
                    content.append(["type": "image_file", "image_file": ["file_id": file, "detail": part["detail"] ?? "auto"]])
                }
            default:
                continue
            }
        }
        let status = item["status"]?.stringValue ?? "completed"
        let incomplete = status == "incomplete"
        return [
            "id": item["id"] ?? .null, "object": "thread.message", "created_at": createdAt,
            "assistant_id": assistantID.map(JSONValue.string) ?? .null, "thread_id": .string(threadID),
            "run_id": runID.map(JSONValue.string) ?? .null, "role": item["role"] ?? "user", "content": .array(content),
            "attachments": [], "metadata": [:], "status": .string(status),
            "incomplete_details": incomplete ? ["reason": "max_tokens"] : .null,
            "completed_at": status == "completed" ? createdAt : .null, "incomplete_at": incomplete ? createdAt : .null,
        ]
    }
}
