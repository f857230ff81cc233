/// The one error type of the identity module.
///
/// `message` is safe to show clients (it never contains the token, keys or hosts);
/// `detail` and `debugDescription` add what went wrong underneath, for logs only.
/// The gateway maps `kind` to a status: `missingToken` and `invalidToken` → 401 with
/// `wwwAuthenticate` as the `WWW-Authenticate` header, `keysUnavailable` → 503,
/// `configuration` → a start-up failure.
public struct AuthError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The broad class of failure, as a stable, growable value.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }

        /// No `Authorization` header, or an empty one.
        public static let missingToken = Kind("missing_token")
        /// A token was presented and refused; `code` says why.
        public static let invalidToken = Kind("invalid_token")
        /// The settings cannot work (short secret, unreadable JWKS file, bad leeway, …).
        public static let configuration = Kind("configuration")
        /// The JWKS URL could not be fetched or did not hold usable keys.
        public static let keysUnavailable = Kind("keys_unavailable")

        public var description: String { name }
    }

    /// The precise reason, as a stable, growable code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public let kind: Kind
        private init(_ name: String, _ kind: Kind) {
            self.name = name
            self.kind = kind
        }

        public static let missingToken = Code("missing_token", .missingToken)
        /// Not a `Bearer` header, not three base64url segments, or not JSON inside.
        public static let malformed = Code("malformed", .invalidToken)
        public static let expired = Code("expired", .invalidToken)
        public static let notYetValid = Code("not_yet_valid", .invalidToken)
        public static let badSignature = Code("bad_signature", .invalidToken)
        public static let wrongIssuer = Code("wrong_issuer", .invalidToken)
        public static let wrongAudience = Code("wrong_audience", .invalidToken)
        /// No configured key matches the token's `kid` (even after a JWKS refresh).
        public static let unknownKey = Code("unknown_key", .invalidToken)
        /// `none`, or an algorithm no configured key allows (e.g. HS256 with only RSA keys).
        public static let disallowedAlgorithm = Code("disallowed_algorithm", .invalidToken)
        public static let missingSubject = Code("missing_subject", .invalidToken)
        public static let configuration = Code("configuration", .configuration)
        public static let keysUnavailable = Code("keys_unavailable", .keysUnavailable)

        public var description: String { name }
    }

    public let code: Code
    /// Safe to show clients: never echoes the token.
    public var message: String
    /// For logs: parser and library messages, the JWKS URL, the token's `kid`. Never the token.
    public var detail: String

    public init(_ code: Code, _ message: String, detail: String = "") {
        self.code = code
        self.message = message
        self.detail = detail
    }

    public var kind: Kind { code.kind }

    /// The RFC 6750 `WWW-Authenticate` value for a 401: just the realm when no token came,
    /// else `error="invalid_token"` with `message` as the description.
    public var wwwAuthenticate: String {
        switch kind {
        case .invalidToken:
            let text = message.filter { $0 != "\"" && $0 != "\\" }
            return #"Bearer realm="threadgate", error="invalid_token", error_description="\#(text)""#
        default:
            return #"Bearer realm="threadgate""#
        }
    }

    public var description: String { message }

    public var debugDescription: String {
        detail.isEmpty ? "\(code): \(message)" : "\(code): \(message); \(detail)"
    }
}

extension AuthError {
    static func configuration(_ message: String, detail: String = "") -> AuthError {
        AuthError(.configuration, message, detail: detail)
    }

    static func malformed(_ message: String = "the bearer token is malformed", detail: String = "") -> AuthError {
        AuthError(.malformed, message, detail: detail)
    }
}
