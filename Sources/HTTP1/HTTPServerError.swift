/// The one error type of the HTTP1 module: a request the server refuses before any route sees
/// it, or a connection that failed. Each code maps to one status.
public struct HTTPServerError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        /// The status a response for this code carries.
        public let status: HTTPStatus
        init(_ name: String, _ status: HTTPStatus) {
            self.name = name
            self.status = status
        }
        public static let malformedRequest = Code("malformed_request", .badRequest)
        public static let requestTargetTooLong = Code("request_target_too_long", .uriTooLong)
        public static let headersTooLarge = Code("headers_too_large", .requestHeaderFieldsTooLarge)
        public static let bodyTooLarge = Code("body_too_large", .payloadTooLarge)
        public static let unsupportedTransferEncoding = Code("unsupported_transfer_encoding", .notImplemented)
        public static let expectationFailed = Code("expectation_failed", .expectationFailed)
        public static let versionNotSupported = Code("http_version_not_supported", .httpVersionNotSupported)
        public static let headerTimeout = Code("request_header_timeout", .requestTimeout)
        public static let bodyTimeout = Code("request_body_timeout", .requestTimeout)
        /// A later response's work threw (routers answer errors themselves; this is the backstop).
        public static let responderFailed = Code("internal_error", .internalServerError)
        public var description: String { name }
    }

    public let code: Code
    /// A short, client-safe explanation.
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var status: HTTPStatus { code.status }
    public var description: String { "\(code.name): \(message)" }
}
