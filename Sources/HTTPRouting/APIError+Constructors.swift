public import HTTP1

extension APIError {
    /// 400 `invalid_request_error`.
    public static func badRequest(code: Code = .invalidRequest, message: String, param: String? = nil) -> APIError {
        APIError(status: .badRequest, type: .invalidRequest, code: code, message: message, param: param)
    }

    /// 400 `missing_parameter` for `param`: "Missing required parameter: 'content'."
    public static func missingParameter(_ param: String) -> APIError {
        .badRequest(code: .missingParameter, message: "Missing required parameter: '\(param)'.", param: param)
    }

    /// 400 `invalid_parameter` for `param`.
    public static func invalidParameter(_ param: String, message: String) -> APIError {
        .badRequest(code: .invalidParameter, message: message, param: param)
    }

    /// 404 `not_found_error`.
    public static func notFound(message: String = "Not found.", code: Code = .notFound) -> APIError {
        APIError(status: .notFound, type: .notFound, code: code, message: message)
    }

    /// 405 `method_not_allowed` with an `Allow` header listing `allowed`.
    public static func methodNotAllowed(allowed: [HTTPMethod]) -> APIError {
        let list = allowed.map(\.rawValue).joined(separator: ", ")
        return APIError(
            status: .methodNotAllowed, type: .invalidRequest, code: .methodNotAllowed,
            message: "Method not allowed. Allowed methods: \(list).", headers: ["allow": list])
    }

    /// 401 `authentication_error`, with `WWW-Authenticate: <challenge>` unless `challenge` is nil.
    public static func unauthorized(
        message: String = "Missing or invalid bearer token.", challenge: String? = "Bearer", code: Code = .unauthorized
    ) -> APIError {
        var headers = HTTPHeaders()
        if let challenge { headers.add(name: "www-authenticate", value: challenge) }
        return APIError(status: .unauthorized, type: .authentication, code: code, message: message, headers: headers)
    }

    /// 403 `permission_error`.
    public static func forbidden(
        message: String = "You do not have permission to do this.", code: Code = .forbidden
    ) -> APIError {
        APIError(status: .forbidden, type: .permission, code: code, message: message)
    }

    /// 409 `invalid_request_error`, such as `thread_busy`.
    public static func conflict(code: Code = .conflict, message: String, param: String? = nil) -> APIError {
        APIError(status: .conflict, type: .invalidRequest, code: code, message: message, param: param)
    }

    /// 413 `payload_too_large`.
    public static func payloadTooLarge(message: String = "The request body is too large.") -> APIError {
        APIError(status: .payloadTooLarge, type: .invalidRequest, code: .payloadTooLarge, message: message)
    }

    /// 422 `invalid_request_error`: well-formed but semantically unacceptable.
    public static func unprocessable(code: Code = .unprocessable, message: String, param: String? = nil) -> APIError {
        APIError(status: .unprocessableEntity, type: .invalidRequest, code: code, message: message, param: param)
    }

    /// 429 `rate_limit_error`, with `Retry-After` when `retryAfterSeconds` is given.
    public static func tooManyRequests(
        retryAfterSeconds: Int? = nil, message: String = "Too many requests. Please slow down."
    ) -> APIError {
        APIError(
            status: .tooManyRequests, type: .rateLimit, code: .rateLimitExceeded, message: message,
            headers: retryAfterHeaders(retryAfterSeconds))
    }

    /// 500 `server_error` with a generic message; `debugDetail` goes to logs only.
    public static func `internal`(debugDetail: String? = nil) -> APIError {
        APIError(
            status: .internalServerError, type: .server, code: .internalError,
            message: "The server had an error while processing your request.", debugDetail: debugDetail)
    }

    /// 502 `upstream_error`: the upstream answered with something unusable.
    public static func badGateway(debugDetail: String? = nil) -> APIError {
        APIError(
            status: .badGateway, type: .upstream, code: .upstreamError,
            message: "The upstream service returned an invalid response.", debugDetail: debugDetail)
    }

    /// 503 `server_error`, with `Retry-After` when `retryAfter` (seconds) is given.
    public static func serviceUnavailable(retryAfter: Int? = nil, debugDetail: String? = nil) -> APIError {
        APIError(
            status: .serviceUnavailable, type: .server, code: .serviceUnavailable,
            message: "The service is temporarily unavailable. Please retry later.",
            headers: retryAfterHeaders(retryAfter), debugDetail: debugDetail)
    }

    /// 504 `upstream_timeout`: the upstream did not answer in time.
    public static func gatewayTimeout(debugDetail: String? = nil) -> APIError {
        APIError(
            status: .gatewayTimeout, type: .upstream, code: .upstreamTimeout,
            message: "The upstream service did not respond in time.", debugDetail: debugDetail)
    }

    private static func retryAfterHeaders(_ seconds: Int?) -> HTTPHeaders {
        guard let seconds else { return [:] }
        return ["retry-after": String(max(0, seconds))]
    }
}
