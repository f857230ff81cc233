public import HTTP1
public import JSON

/// The one error type the HTTP surface turns into a response, in the public error shape
/// `{"error":{"message":…,"type":…,"param":…|null,"code":…|null}}` (OpenAI's).
///
/// Throw it from handlers and middleware; the ``Router`` answers with ``response()``.
/// `message` is shown to clients, so it never carries internals: put SQL, hosts and upstream
/// bodies in ``debugDetail``, which only logs see.
///
/// ```swift
/// throw APIError.notFound(message: "No thread found with id '\(id)'.")
/// throw APIError.badRequest(code: .invalidParameter, message: "…", param: "limit")
/// ```
public struct APIError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The response status.
    public var status: HTTPStatus
    /// The broad kind, sent as `error.type`.
    public var type: ErrorType
    /// The stable machine-readable code, sent as `error.code` (`null` when nil).
    public var code: Code?
    /// The human-readable explanation, sent as `error.message`. Safe to show.
    public var message: String
    /// The request parameter at fault, sent as `error.param` (`null` when nil).
    public var param: String?
    /// Extra response headers, such as `Allow`, `Retry-After` or `WWW-Authenticate`.
    public var headers: HTTPHeaders
    /// Details for logs only; never sent.
    public var debugDetail: String?
    /// Extra fields of the error object for clients, such as `active_run_id` of `thread_busy`.
    public var details: JSONObject = [:]

    /// An error with every field given.
    public init(
        status: HTTPStatus, type: ErrorType, code: Code?, message: String, param: String? = nil,
        headers: HTTPHeaders = [:], debugDetail: String? = nil
    ) {
        self.status = status
        self.type = type
        self.code = code
        self.message = message
        self.param = param
        self.headers = headers
        self.debugDetail = debugDetail
    }

    /// Generic: the status and code only, such as `APIError(404, not_found)`.
    public var description: String {
        "APIError(\(status.rawValue), \(code?.rawValue ?? type.rawValue))"
    }

    /// Everything, for logs: status, type, code, param, message and ``debugDetail``.
    public var debugDescription: String {
        var text = "APIError(\(status.rawValue), type: \(type.rawValue), code: \(code?.rawValue ?? "null")"
        if let param { text += ", param: \(param)" }
        text += ", message: \(message.debugDescription)"
        if let debugDetail { text += ", detail: \(debugDetail.debugDescription)" }
        return text + ")"
    }
}

/// An error that knows its public form. The ``Router`` answers with ``apiError`` when a handler
/// throws one, so domain errors map themselves without the router knowing them.
public protocol APIErrorConvertible: Error {
    /// The public form of this error.
    var apiError: APIError { get }
}

extension APIError: APIErrorConvertible {
    /// The error itself.
    public var apiError: APIError { self }
}
