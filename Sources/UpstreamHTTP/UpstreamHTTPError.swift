/// The one error type of the upstream HTTP client.
///
/// `description` is generic and safe to show; `debugDescription` adds the method, the URL
/// without its query and libcurl's message, for logs. Neither ever contains request headers.
public struct UpstreamHTTPError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// What went wrong, as a stable, growable code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }

        /// The connection could not be made: refused, unreachable, name or proxy not resolved.
        public static let connectFailed = Code("connect_failed")
        /// Connecting (DNS, TCP and TLS handshake) took longer than the connect timeout.
        public static let connectTimeout = Code("connect_timeout")
        /// The whole attempt took longer than its total timeout.
        public static let totalTimeout = Code("total_timeout")
        /// The response body made no progress for longer than the stalled timeout.
        public static let stalled = Code("stalled")
        /// The connection broke after it was made: reset, closed early, nothing received.
        public static let connectionLost = Code("connection_lost")
        /// TLS failed: handshake, certificate verification, CA bundle.
        public static let tlsFailed = Code("tls_failed")
        /// The upstream broke HTTP: malformed reply, HTTP/2 stream error, bad encoding.
        public static let protocolError = Code("protocol_error")
        /// The response body was larger than the configured limit.
        public static let responseTooLarge = Code("response_too_large")
        /// The request itself cannot be sent: malformed URL, unsupported scheme, bad header.
        public static let invalidRequest = Code("invalid_request")
        /// The caller's task was cancelled, or the body's consumer went away.
        public static let cancelled = Code("cancelled")
        /// The client or its loop shut down.
        public static let shutdown = Code("shutdown")
        /// Anything else libcurl reports; see `curlCode`.
        public static let other = Code("other")

        public var description: String { name }
    }

    public let code: Code
    /// libcurl's `CURLcode` when libcurl reported the failure, else 0. For logs.
    public let curlCode: Int32
    /// Requests sent (or tried) before giving up, counting the first.
    public internal(set) var attempts: Int
    /// The request's method and URL without query, for logs.
    public let target: String
    /// libcurl's own message (may name hosts and addresses): for logs only.
    public let detail: String

    init(_ code: Code, curlCode: Int32 = 0, attempts: Int = 1, target: String = "", detail: String = "") {
        self.code = code
        self.curlCode = curlCode
        self.attempts = attempts
        self.target = target
        self.detail = detail
    }

    /// True for the three timeout codes.
    public var isTimeout: Bool { code == .connectTimeout || code == .totalTimeout || code == .stalled }

    public var description: String {
        let text = switch code {
        case .connectFailed: "upstream connection failed"
        case .connectTimeout: "upstream connect timed out"
        case .totalTimeout: "upstream request timed out"
        case .stalled: "upstream response stalled"
        case .connectionLost: "upstream connection lost"
        case .tlsFailed: "upstream TLS failed"
        case .protocolError: "upstream protocol error"
        case .responseTooLarge: "upstream response too large"
        case .invalidRequest: "invalid upstream request"
        case .cancelled: "upstream request cancelled"
        case .shutdown: "upstream client shut down"
        default: "upstream request failed"
        }
        return curlCode == 0 ? text : "\(text) (curl \(curlCode))"
    }

    public var debugDescription: String {
        var parts = ["\(description)", "attempts=\(attempts)"]
        if !target.isEmpty { parts.append(target) }
        if !detail.isEmpty { parts.append(detail) }
        return parts.joined(separator: "; ")
    }
}
