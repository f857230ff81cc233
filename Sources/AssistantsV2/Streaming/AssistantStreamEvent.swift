public import JSON
public import UpstreamHTTP

/// One event of a streamed run (notes §7), decoded.
///
/// Unknown event names (the upstream may add some) arrive as `.unknown` so callers can
/// ignore or relay them. `name` is the wire name and `data` the payload, for relaying.
public indirect enum AssistantStreamEvent: Sendable {
    /// `thread.created` (only from `POST /threads/runs`).
    case threadCreated(AssistantThread)
    /// `thread.run.<event>`, with the run as of that moment.
    case run(RunEvent, Run)
    /// `thread.run.step.<event>` other than `delta`.
    case runStep(RunStepEvent, RunStep)
    /// `thread.run.step.delta`.
    case runStepDelta(RunStepDelta)
    /// `thread.message.<event>` other than `delta`.
    case message(MessageEvent, ThreadMessage)
    /// `thread.message.delta`: a piece of the reply.
    case messageDelta(MessageDelta)
    /// `error`: the upstream failed mid-stream (`kind == .streamError`).
    case error(AssistantsError)
    /// `done` (`data: [DONE]`): the stream is over.
    case done
    /// An event this client does not know, kept as sent.
    case unknown(name: String, data: String)

    /// The event's wire name, such as `thread.run.completed`.
    public var name: String {
        switch self {
        case .threadCreated: "thread.created"
        case .run(let event, _): "thread.run.\(event.rawValue)"
        case .runStep(let event, _): "thread.run.step.\(event.rawValue)"
        case .runStepDelta: "thread.run.step.delta"
        case .message(let event, _): "thread.message.\(event.rawValue)"
        case .messageDelta: "thread.message.delta"
        case .error: "error"
        case .done: "done"
        case .unknown(let name, _): name
        }
    }

    /// The run carried by a `thread.run.*` event.
    public var run: Run? {
        if case .run(_, let run) = self { return run }
        return nil
    }

    /// Decodes one server-sent event.
    /// - Throws: `invalidResponse` when a known event's data is not the object it should be.
    public init(_ event: ServerSentEvent) throws(AssistantsError) {
        let name = event.name
        if name == "done" || (event.event == nil && event.data == "[DONE]") {
            self = .done
            return
        }
        let kind = Self.classify(name)
        if case .unknownName = kind {
            self = .unknown(name: name, data: event.data)
            return
        }
        let object: JSONObject
        do {
            guard let parsed = try JSONValue(parsing: event.data).objectValue else { throw JSONError(.unexpectedCharacter, at: 0) }
            object = parsed
        } catch {
            throw .invalidResponse("the data of the '\(name)' event is not a JSON object")
        }
        switch kind {
        case .thread: self = .threadCreated(try AssistantThread(raw: object))
        case .run(let event): self = .run(event, try Run(raw: object))
        case .step(let event): self = .runStep(event, try RunStep(raw: object))
        case .stepDelta: self = .runStepDelta(try RunStepDelta(raw: object))
        case .message(let event): self = .message(event, try ThreadMessage(raw: object))
        case .messageDelta: self = .messageDelta(try MessageDelta(raw: object))
        case .error:
            // `S.ErrorEvent.data` is `S.Error`; accept the `{"error":{…}}` envelope too.
            let error = object["error"]?.objectValue ?? object
            self = .error(AssistantsError(
                kind: .streamError, type: error["type"]?.stringValue, code: error["code"]?.stringValue,
                param: error["param"]?.stringValue, message: error["message"]?.stringValue ?? "The upstream stream failed."))
        case .unknownName:
            preconditionFailure("unknown event names return early")
        }
    }

    private enum Kind {
        case thread, run(RunEvent), step(RunStepEvent), stepDelta, message(MessageEvent), messageDelta, error, unknownName
    }

    private static func classify(_ name: String) -> Kind {
        if name == "thread.created" { return .thread }
        if name == "error" { return .error }
        if let suffix = name.dropPrefix("thread.run.step.") {
            if suffix == "delta" { return .stepDelta }
            return RunStepEvent(rawValue: suffix).map(Kind.step) ?? .unknownName
        }
        if let suffix = name.dropPrefix("thread.run.") { return RunEvent(rawValue: suffix).map(Kind.run) ?? .unknownName }
        if let suffix = name.dropPrefix("thread.message.") {
            if suffix == "delta" { return .messageDelta }
            return MessageEvent(rawValue: suffix).map(Kind.message) ?? .unknownName
        }
        return .unknownName
    }
}

/// The `thread.run.*` events.
public enum RunEvent: String, Sendable, Hashable, CaseIterable {
    case created, queued
    case inProgress = "in_progress"
    case requiresAction = "requires_action"
    case completed, incomplete, failed, cancelling, cancelled, expired
}

/// The `thread.run.step.*` events other than `delta`.
public enum RunStepEvent: String, Sendable, Hashable, CaseIterable {
    case created
    case inProgress = "in_progress"
    case completed, failed, cancelled, expired
}

/// The `thread.message.*` events other than `delta`.
public enum MessageEvent: String, Sendable, Hashable, CaseIterable {
    case created
    case inProgress = "in_progress"
    case completed, incomplete
}

/// `thread.message.delta` (`S.MessageDeltaObject`): `{"id","object","delta":{"content":[…]}}`.
public struct MessageDelta: Sendable, Hashable {
    public var id: String
    /// The changed content parts, each with its `index` in the message.
    public var content: [Part]
    public var raw: JSONObject

    public struct Part: Sendable, Hashable {
        public var index: Int
        public var type: String
        /// `text.value` for text parts: the text to append.
        public var text: String?
        public var raw: JSONObject
    }

    public init(raw: JSONObject) throws(AssistantsError) {
        id = try FieldReader(raw, "message delta").requiredString("id")
        content = (raw["delta"]?["content"]?.arrayValue ?? []).compactMap { value in
            guard let part = value.objectValue else { return nil }
            let type = part["type"]?.stringValue ?? ""
            return Part(
                index: part["index"]?.intValue ?? 0, type: type,
                text: type == "text" ? part["text"]?["value"]?.stringValue : nil, raw: part)
        }
        self.raw = raw
    }

    /// The text this delta appends (all its text parts, in order).
    public var text: String { content.compactMap(\.text).joined() }
}

/// `thread.run.step.delta` (`S.RunStepDeltaObject`): a piece of a step's details, such as
/// tool-call arguments as they are written.
public struct RunStepDelta: Sendable, Hashable {
    public var id: String
    public var raw: JSONObject

    public init(raw: JSONObject) throws(AssistantsError) {
        id = try FieldReader(raw, "run step delta").requiredString("id")
        self.raw = raw
    }

    /// `delta.step_details`, as sent.
    public var stepDetails: JSONObject? { raw["delta"]?["step_details"]?.objectValue }
}

extension String {
    /// The rest after `prefix`, or nil when the string does not start with it.
    fileprivate func dropPrefix(_ prefix: String) -> String? {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : nil
    }
}
