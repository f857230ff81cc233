import HTTPRouting

/// The app user a request acts for, from its verified bearer token.
public struct Caller: Sendable, Hashable {
    /// The token's `sub`.
    public var subject: String
    public var isAdmin: Bool

    public init(subject: String, isAdmin: Bool) {
        self.subject = subject
        self.isAdmin = isAdmin
    }
}

/// Turns an `Authorization` header into a ``Caller``. The app adapts its token verifier to
/// this, so the gateway does not depend on how tokens are checked.
public protocol CallerAuthenticator: Sendable {
    /// - Parameter authorizationHeader: the header's value as received, nil when absent.
    /// - Throws: ``AuthenticationFailure`` for a missing or unacceptable token.
    func authenticate(authorizationHeader: String?) async throws(AuthenticationFailure) -> Caller
}

/// Why a request carries no acceptable token; becomes a 401.
public struct AuthenticationFailure: Error, Sendable {
    /// Safe for clients (never echoes the token).
    public var message: String
    /// The `WWW-Authenticate` challenge (RFC 6750).
    public var challenge: String
    /// The stable error code, such as `expired` or `missing_token`.
    public var code: String
    /// For logs only.
    public var detail: String?
    /// The keys to check tokens with could not be loaded: a 503, not the client's fault.
    public var keysUnavailable: Bool

    public init(message: String, challenge: String, code: String = "unauthorized", detail: String? = nil, keysUnavailable: Bool = false) {
        self.message = message
        self.challenge = challenge
        self.code = code
        self.detail = detail
        self.keysUnavailable = keysUnavailable
    }

    var apiError: APIError {
        if keysUnavailable { return .serviceUnavailable(retryAfter: 5, debugDetail: detail) }
        var error = APIError.unauthorized(message: message, challenge: challenge, code: APIError.Code(code))
        error.debugDetail = detail
        return error
    }
}

/// The authenticated caller, attached by ``AuthenticationMiddleware``.
enum CallerKey: RequestAttributeKey {
    typealias Value = Caller
}

extension RoutedRequest {
    /// The authenticated caller; routes behind ``AuthenticationMiddleware`` always have one.
    var caller: Caller {
        get throws(APIError) {
            guard let caller = attributes[CallerKey.self] else { throw .unauthorized() }
            return caller
        }
    }
}
