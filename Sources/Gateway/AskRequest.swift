import HTTPRouting
import JSON

/// A checked ask: `POST /v1/threads/{id}/ask` and `POST /v1/ask`.
struct AskRequest: Sendable {
    /// The user's message: text or the upstream's content-part array.
    var content: JSONValue
    var assistantID: JSONValue?
    var instructions: String?
    var metadata: JSONValue?
    var wait: Duration
    var stream: Bool
    /// `POST /v1/ask` only: the new thread's `metadata` and `title`.
    var thread: JSONObject?

    static let fields: Set<String> = ["content", "assistant_id", "instructions", "metadata", "wait_ms", "stream"]

    init(_ request: RoutedRequest, settings: AskSettings, newThread: Bool) throws(APIError) {
        let body = try request.decodeJSONObject()
        try Gateway.rejectUnknownFields(body, allowed: newThread ? Self.fields.union(["thread"]) : Self.fields)
        guard let content = body["content"], content != .null else { throw .missingParameter("content") }
        switch content {
        case .string(let text) where !text.isEmpty: break
        case .array(let parts) where !parts.isEmpty && parts.allSatisfy({ $0.objectValue != nil }): break
        default:
            throw .invalidParameter("content", message: "Invalid 'content': expected non-empty text or an array of content parts.")
        }
        self.content = content
        assistantID = body["assistant_id"]
        instructions = try body.optionalString("instructions")
        metadata = body["metadata"]
        if let metadata, metadata != .null, metadata.objectValue == nil {
            throw .invalidParameter("metadata", message: "Invalid type for 'metadata': expected an object.")
        }
        wait = try Self.wait(body["wait_ms"], param: "wait_ms", settings: settings)
        stream = try body.optionalBool("stream") ?? request.headers["accept"].map { $0.contains("text/event-stream") } ?? false
        if newThread, let value = body["thread"], value != .null {
            guard let object = value.objectValue else {
                throw .invalidParameter("thread", message: "Invalid type for 'thread': expected an object.")
            }
            try Gateway.rejectUnknownFields(object, allowed: ["metadata", "title"])
            thread = object
        }
    }

    /// `wait_ms` as a duration: the default when absent, at most the server's maximum.
    static func wait(_ value: JSONValue?, param: String, settings: AskSettings) throws(APIError) -> Duration {
        guard let value, value != .null else { return settings.defaultWait }
        guard let millis = value.intValue, millis >= 0 else {
            throw .invalidParameter(param, message: "Invalid '\(param)': expected a whole number of milliseconds, 0 or more.")
        }
        return min(.milliseconds(millis), settings.maximumWait)
    }

    /// The `wait_ms` query parameter of `…/wait` and `submit_tool_outputs`, like the body's.
    static func wait(query request: RoutedRequest, settings: AskSettings) throws(APIError) -> Duration {
        try wait(try request.intQuery("wait_ms", range: 0...Int.max).map { .int(Int64($0)) }, param: "wait_ms", settings: settings)
    }

    /// The upstream run request: the assistant, the user's message, the options given.
    func runBody(assistantID: String) -> JSONObject {
        var body: JSONObject = [
            "assistant_id": .string(assistantID),
            "additional_messages": [["role": "user", "content": content]],
        ]
        if let instructions { body["instructions"] = .string(instructions) }
        if let metadata, metadata != .null { body["metadata"] = metadata }
        return body
    }
}
