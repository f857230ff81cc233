public import JSON
public import UpstreamHTTP

/// A typed Assistants v2 client over an `UpstreamHTTPClient`.
///
/// Every call sends `Authorization: Bearer <key>`, `OpenAI-Beta: assistants=v2`,
/// `OpenAI-Organization` / `OpenAI-Project` when configured, `Content-Type:
/// application/json`, and from `options` the `X-Request-Id` and `Idempotency-Key`. It returns
/// the decoded object with the attempts it took, or throws one `AssistantsError`.
/// Call it from any task; the HTTP client does its work on its own loop.
///
/// ```swift
/// let client = AssistantsClient(http: upstream, configuration: AssistantsConfiguration(
///     baseURL: "http://127.0.0.1:8090/v1", apiKey: "sk-test"))
/// let run = try await client.retrieveRun(threadID: "thread_1", runID: "run_1", options: .init(requestID: rid))
/// print(run.value.status, run.attempts, run.pollAfter ?? .zero)
/// ```
public final class AssistantsClient: Sendable {
    public let http: UpstreamHTTPClient
    public let configuration: AssistantsConfiguration

    public init(http: UpstreamHTTPClient, configuration: AssistantsConfiguration) {
        self.http = http
        self.configuration = configuration
    }

    /// Largest error body read from a failed stream.
    static let maxErrorBodyBytes = 1024 * 1024

    // MARK: The generic call

    /// Sends any call under the base URL and returns its JSON, for endpoints without a typed
    /// call (and for the simulator's own `/_simulator/stats`).
    ///
    /// - Parameters:
    ///   - path: below the base URL, such as `/threads/thread_1/messages/msg_1`; ids inside
    ///     should come from `pathSegment(_:)`.
    ///   - query: query items, percent-encoded here.
    ///   - body: the JSON body; nil sends none.
    public func send(
        _ method: UpstreamMethod, _ path: String, query: [(String, String)] = [], body: JSONObject? = nil,
        options: AssistantsRequestOptions = AssistantsRequestOptions()
    ) async throws(AssistantsError) -> AssistantsResponse<JSONValue> {
        let request = makeRequest(method, path, query: query, body: body, options: options, streaming: false)
        let target = "\(method) \(path)"
        let response: UpstreamResponse
        do {
            response = try await http.execute(request)
        } catch {
            throw AssistantsError(transport: error, target: target)
        }
        guard (200..<300).contains(response.status) else {
            throw Self.apiError(
                status: response.status, body: response.body, headers: response.headers, attempts: response.attempts,
                target: target)
        }
        let json: JSONValue
        do {
            json = try JSONValue(parsing: response.body)
        } catch {
            throw .invalidResponse(
                "the upstream body is not JSON (\(error))", target: target, attempts: response.attempts,
                upstreamRequestID: response.upstreamRequestID)
        }
        return AssistantsResponse(value: json, status: response.status, attempts: response.attempts, headers: response.headers)
    }

    /// Sends a call and decodes its object as `T`.
    func call<T: AssistantsObject>(
        _ method: UpstreamMethod, _ path: String, query: [(String, String)] = [], body: JSONObject? = nil,
        options: AssistantsRequestOptions, as type: T.Type
    ) async throws(AssistantsError) -> AssistantsResponse<T> {
        try await decode(send(method, path, query: query, body: body, options: options), method, path) { object throws(AssistantsError) in
            try T(raw: object)
        }
    }

    /// Sends a list call and decodes its page of `T`.
    func list<T: AssistantsObject>(
        _ path: String, query: [(String, String)], options: AssistantsRequestOptions, of type: T.Type
    ) async throws(AssistantsError) -> AssistantsResponse<AssistantsList<T>> {
        try await decode(send(.get, path, query: query, options: options), .get, path) { object throws(AssistantsError) in
            try AssistantsList<T>(raw: object)
        }
    }

    private func decode<T>(
        _ response: AssistantsResponse<JSONValue>, _ method: UpstreamMethod, _ path: String,
        _ decode: (JSONObject) throws(AssistantsError) -> T
    ) throws(AssistantsError) -> AssistantsResponse<T> {
        do throws(AssistantsError) {
            guard let object = response.value.objectValue else {
                throw AssistantsError.invalidResponse("the upstream answered a \(response.value.typeName), not an object")
            }
            return AssistantsResponse(value: try decode(object), status: response.status, attempts: response.attempts, headers: response.headers)
        } catch {
            throw error.with(target: "\(method) \(path)", attempts: response.attempts, upstreamRequestID: response.upstreamRequestID)
        }
    }

    // MARK: Requests

    /// The upstream request for a call: URL, standard headers, body, per-call settings.
    func makeRequest(
        _ method: UpstreamMethod, _ path: String, query: [(String, String)], body: JSONObject?,
        options: AssistantsRequestOptions, streaming: Bool
    ) -> UpstreamRequest {
        var url = configuration.baseURL + path
        if !query.isEmpty {
            url += "?" + query.map { Self.percentEncoded($0.0) + "=" + Self.percentEncoded($0.1) }.joined(separator: "&")
        }
        var headers: UpstreamHeaders = [
            "Authorization": "Bearer \(configuration.apiKey)",
            "OpenAI-Beta": "assistants=v2",
            "Content-Type": "application/json",
            "Accept": streaming ? "text/event-stream" : "application/json",
        ]
        if let organization = configuration.organization, !organization.isEmpty {
            headers.add(name: "OpenAI-Organization", value: organization)
        }
        if let project = configuration.project, !project.isEmpty { headers.add(name: "OpenAI-Project", value: project) }
        for (name, value) in configuration.extraHeaders where !headers.contains(name) { headers.add(name: name, value: value) }
        for (name, value) in options.headers where !Self.isStandard(name) { headers.replaceOrAdd(name: name, value: value) }
        return UpstreamRequest(
            method: method, url: url, headers: headers, body: body.map { JSONValue.object($0).serialized() } ?? [],
            timeouts: options.timeouts ?? (streaming ? configuration.streamTimeouts : configuration.timeouts),
            requestID: options.requestID, idempotencyKey: options.idempotencyKey,
            retryPolicy: options.retryPolicy ?? configuration.retryPolicy)
    }

    /// Headers a call's options cannot replace: credentials and the API version.
    private static func isStandard(_ name: String) -> Bool {
        let lower = name.lowercased()
        return lower == "authorization" || lower == "openai-beta" || lower == "openai-organization" || lower == "openai-project"
    }

    /// `id` as one path segment: everything but unreserved characters percent-encoded, so an
    /// id can never add a segment, a query or a fragment.
    public static func pathSegment(_ id: String) -> String { percentEncoded(id) }

    /// RFC 3986 percent-encoding of everything except unreserved characters.
    static func percentEncoded(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: Errors

    /// The error for a non-2xx response: the upstream's `{"error":{…}}` when the body has it,
    /// else a generic message naming the status.
    static func apiError(status: Int, body: [UInt8], headers: UpstreamHeaders, attempts: Int, target: String) -> AssistantsError {
        let object = (try? JSONValue(parsing: body))?["error"]?.objectValue
        let message = object?["message"]?.stringValue ?? "The upstream answered HTTP \(status)."
        return AssistantsError(
            kind: .api, status: status, type: object?["type"]?.stringValue, code: object?["code"]?.stringValue,
            param: object?["param"]?.stringValue, message: message, retryAfter: Self.retryAfter(headers),
            upstreamRequestID: headers["x-request-id"], attempts: attempts, target: target)
    }

    /// `retry-after-ms`, else `Retry-After` in seconds or as an HTTP-date (see `UpstreamHeaders.retryAfter`).
    static func retryAfter(_ headers: UpstreamHeaders) -> Duration? {
        headers.retryAfter
    }
}
