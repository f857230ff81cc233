extension APIError {
    /// The broad kind of an error (`error.type`). Open: add more with `ErrorType("…")`.
    public struct ErrorType: Sendable, Hashable, CustomStringConvertible {
        /// The wire value, such as `invalid_request_error`.
        public let rawValue: String
        /// A type with the given wire value.
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The request is malformed or breaks a rule (4xx).
        public static let invalidRequest = ErrorType("invalid_request_error")
        /// The credentials are missing or invalid (401).
        public static let authentication = ErrorType("authentication_error")
        /// The caller may not do this (403).
        public static let permission = ErrorType("permission_error")
        /// The resource or route does not exist (404).
        public static let notFound = ErrorType("not_found_error")
        /// The caller is over a rate limit (429).
        public static let rateLimit = ErrorType("rate_limit_error")
        /// The gateway failed (500, 503).
        public static let server = ErrorType("server_error")
        /// The upstream failed or timed out (502, 504).
        public static let upstream = ErrorType("upstream_error")
    }

    /// A stable machine-readable code (`error.code`). Open: a module adds its own with
    /// `extension APIError.Code { public static let threadBusy = Code("thread_busy") }`.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        /// The wire value, such as `not_found`.
        public let rawValue: String
        /// A code with the given wire value.
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let invalidRequest = Code("invalid_request")
        public static let invalidJSON = Code("invalid_json")
        public static let missingBody = Code("missing_body")
        public static let invalidBody = Code("invalid_body")
        public static let missingParameter = Code("missing_parameter")
        public static let invalidParameter = Code("invalid_parameter")
        public static let invalidPath = Code("invalid_path")
        public static let invalidQuery = Code("invalid_query")
        public static let unauthorized = Code("unauthorized")
        public static let forbidden = Code("forbidden")
        public static let notFound = Code("not_found")
        public static let methodNotAllowed = Code("method_not_allowed")
        public static let conflict = Code("conflict")
        public static let payloadTooLarge = Code("payload_too_large")
        public static let unprocessable = Code("unprocessable_entity")
        public static let rateLimitExceeded = Code("rate_limit_exceeded")
        public static let internalError = Code("internal_error")
        public static let upstreamError = Code("upstream_error")
        public static let serviceUnavailable = Code("service_unavailable")
        public static let upstreamTimeout = Code("upstream_timeout")
    }
}
