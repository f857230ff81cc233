import JSON
import UpstreamAPI
import UpstreamHTTP

/// One server-sent event of a streamed response (`S.ResponseStreamEvent`), read as far as the
/// dialect needs it: its `type`, its `sequence_number` and its data.
struct ResponseStreamEvent: Sendable {
    /// `response.created`, `response.output_text.delta`, `error`, … (the data's `type`, else the event name).
    var type: String
    /// The event's place in the response's stream; resuming asks for the events after it.
    var sequenceNumber: Int?
    var data: JSONObject

    /// - Throws: `invalidResponse` when the event's data is not a JSON object.
    init(_ event: ServerSentEvent) throws(UpstreamAPIError) {
        guard let object = (try? JSONValue(parsing: event.data))?.objectValue else {
            throw ResponsesTransport.invalid("the upstream sent a '\(event.name)' event whose data is not a JSON object")
        }
        data = object
        type = object["type"]?.stringValue ?? event.name
        sequenceNumber = object["sequence_number"]?.intValue
    }

    /// The response a lifecycle event (`response.created` … `response.incomplete`) carries.
    var response: JSONObject? {
        guard status != nil else { return nil }
        return data["response"]?.objectValue
    }

    /// The status a lifecycle event stands for; nil for other events. `response.created`
    /// carries its own (`queued` in the background, `in_progress` otherwise).
    var status: String? {
        switch type {
        case "response.created": data["response"]?["status"]?.stringValue ?? "queued"
        case "response.queued": "queued"
        case "response.in_progress": "in_progress"
        case "response.completed": "completed"
        case "response.failed": "failed"
        case "response.incomplete": "incomplete"
        case "response.cancelled": "cancelled"
        default: nil
        }
    }

    /// The response ended with this event: nothing follows it.
    var isTerminal: Bool {
        switch type {
        case "response.completed", "response.failed", "response.incomplete", "response.cancelled": true
        default: false
        }
    }

    /// An `error` event as the error it reports (`S.ResponseErrorEvent`: `code`, `message`, `param`).
    var error: UpstreamAPIError? {
        guard type == "error" else { return nil }
        let error = data["error"]?.objectValue ?? data
        return UpstreamAPIError(
            kind: .rejected, type: error["type"]?.stringValue, code: error["code"]?.stringValue,
            param: error["param"]?.stringValue, message: error["message"]?.stringValue ?? "The upstream stream failed.")
    }
}

extension ResponseStreamEvent {
    /// The lifecycle event a response's snapshot stands for, when its stream ended without
    /// one (a cancelled response's stream just ends).
    init(snapshot response: JSONObject) {
        let status = response["status"]?.stringValue ?? ""
        type = "response." + status
        sequenceNumber = nil
        data = ["type": .string(type), "response": .object(response)]
    }
}
