import JSON
import UpstreamAPI
import UpstreamHTTP

/// One decoded upstream answer: the JSON object and the response headers.
struct UpstreamReply: Sendable {
    var object: JSONObject
    var headers: UpstreamHeaders

    /// The upstream's `openai-poll-after-ms`, when it sent one.
    var pollAfter: Duration? {
        guard let text = headers["openai-poll-after-ms"], let millis = Int(text), millis >= 0 else { return nil }
        return .milliseconds(millis)
    }
}

/// The HTTP plumbing of the dialect: URL, standard headers, JSON in and out, and every
/// failure as an ``UpstreamAPIError``.
struct ResponsesTransport: Sendable {
    let http: UpstreamHTTPClient
    let configuration: ResponsesConfiguration

    /// Sends one call; `idempotencyKey` only for the call the frontend's key stands for (a
    /// second POST under the same key would be answered with the first one's result).
    func send(
        _ method: UpstreamMethod, _ path: String, query: [(String, String)] = [], body: JSONObject? = nil,
        requestID: String?, idempotencyKey: String? = nil
    ) async throws(UpstreamAPIError) -> UpstreamReply {
        let request = makeRequest(
            method, path, query: query, body: body, requestID: requestID, idempotencyKey: idempotencyKey, streaming: false)
        let response: UpstreamResponse
        do {
            response = try await http.execute(request)
        } catch {
            throw Self.translate(error)
        }
        guard (200..<300).contains(response.status) else {
            throw Self.rejection(status: response.status, body: response.body, headers: response.headers)
        }
        guard let object = (try? JSONValue(parsing: response.body))?.objectValue else {
            throw Self.invalid("the upstream answered \(method) \(path) with something other than a JSON object", response.upstreamRequestID)
        }
        return UpstreamReply(object: object, headers: response.headers)
    }

    /// Opens a call that answers with server-sent events; returns once the response head says
    /// they begin. A non-2xx answer is read whole and thrown as its rejection.
    func stream(
        _ method: UpstreamMethod, _ path: String, query: [(String, String)] = [], body: JSONObject? = nil,
        requestID: String?, idempotencyKey: String? = nil
    ) async throws(UpstreamAPIError) -> UpstreamStreamingResponse {
        let request = makeRequest(
            method, path, query: query, body: body, requestID: requestID, idempotencyKey: idempotencyKey, streaming: true)
        let response: UpstreamStreamingResponse
        do {
            response = try await http.stream(request)
        } catch {
            throw Self.translate(error)
        }
        guard (200..<300).contains(response.status) else {
            let bytes: [UInt8]
            do {
                bytes = try await response.body.collect(upTo: configuration.maxStreamEventBytes)
            } catch {
                throw Self.translate(error)
            }
            throw Self.rejection(status: response.status, body: bytes, headers: response.headers)
        }
        return response
    }

    /// The request of one call: URL, standard headers, JSON body, timeouts and retry policy.
    private func makeRequest(
        _ method: UpstreamMethod, _ path: String, query: [(String, String)], body: JSONObject?, requestID: String?,
        idempotencyKey: String?, streaming: Bool
    ) -> UpstreamRequest {
        var url = configuration.baseURL + path
        if !query.isEmpty {
            url += "?" + query.map { Self.percentEncoded($0.0) + "=" + Self.percentEncoded($0.1) }.joined(separator: "&")
        }
        var headers: UpstreamHeaders = [
            "Authorization": "Bearer \(configuration.apiKey)", "Content-Type": "application/json",
            "Accept": streaming ? "text/event-stream" : "application/json",
        ]
        if let organization = configuration.organization, !organization.isEmpty {
            headers.add(name: "OpenAI-Organization", value: organization)
        }
        if let project = configuration.project, !project.isEmpty { headers.add(name: "OpenAI-Project", value: project) }
        return UpstreamRequest(
            method: method, url: url, headers: headers, body: body.map { JSONValue.object($0).serialized() } ?? [],
            timeouts: streaming ? configuration.streamTimeouts : configuration.timeouts, requestID: requestID,
            idempotencyKey: idempotencyKey, retryPolicy: configuration.retryPolicy)
    }

    // MARK: Errors

    /// The error for a non-2xx response: the upstream's `{"error":{…}}` when the body has it.
    /// A conversation busy with another response (`conversation_locked`) is the run-active case.
    static func rejection(status: Int, body: [UInt8], headers: UpstreamHeaders) -> UpstreamAPIError {
        let error = (try? JSONValue(parsing: body))?["error"]?.objectValue
        let code = error?["code"]?.stringValue
        return UpstreamAPIError(
            kind: .rejected, status: status, type: error?["type"]?.stringValue, code: code,
            param: error?["param"]?.stringValue,
            message: error?["message"]?.stringValue ?? "The upstream answered HTTP \(status).",
            retryAfter: headers.retryAfter, upstreamRequestID: headers["x-request-id"],
            isRunActive: status == 400 && code == "conversation_locked")
    }

    /// A transport failure in the dialect-neutral form.
    static func translate(_ error: UpstreamHTTPError) -> UpstreamAPIError {
        let kind: UpstreamAPIError.Kind
        if error.code == .cancelled {
            kind = .cancelled
        } else if error.isTimeout {
            kind = .timeout
        } else {
            kind = .unreachable
        }
        return UpstreamAPIError(kind: kind, message: error.description)
    }

    static func invalid(_ message: String, _ upstreamRequestID: String? = nil) -> UpstreamAPIError {
        UpstreamAPIError(kind: .invalidResponse, message: message, upstreamRequestID: upstreamRequestID)
    }

    /// A 4xx the dialect decides itself, in the upstream's error vocabulary.
    static func refused(
        _ message: String, status: Int = 400, param: String? = nil, code: String? = nil
    ) -> UpstreamAPIError {
        UpstreamAPIError(
            kind: .rejected, status: status, type: "invalid_request_error", code: code, param: param, message: message)
    }

    static func unsupported(_ message: String) -> UpstreamAPIError {
        UpstreamAPIError(kind: .unsupported, message: message)
    }

    // MARK: Paths

    /// `id` as one path segment: everything but unreserved characters percent-encoded.
    static func segment(_ id: String) -> String { percentEncoded(id) }

    /// RFC 3986 percent-encoding of everything except unreserved characters.
    static func percentEncoded(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        let hex = Array("0123456789ABCDEF".utf8)
        for byte in text.utf8 {
            if byte.isUnreserved {
                out.append(byte)
            } else {
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension UInt8 {
    fileprivate var isUnreserved: Bool {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || self == UInt8(ascii: "-") || self == UInt8(ascii: ".")
            || self == UInt8(ascii: "_") || self == UInt8(ascii: "~")
    }
}
