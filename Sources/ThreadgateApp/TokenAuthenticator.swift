import Auth
import Gateway

/// The gateway's ``CallerAuthenticator`` over the JWT verifier.
struct TokenAuthenticator: CallerAuthenticator {
    let verifier: TokenVerifier

    func authenticate(authorizationHeader: String?) async throws(AuthenticationFailure) -> Caller {
        do {
            let principal = try await verifier.verify(authorizationHeader: authorizationHeader)
            return Caller(subject: principal.subject, isAdmin: principal.isAdmin)
        } catch {
            throw AuthenticationFailure(
                message: error.message, challenge: error.wwwAuthenticate, code: error.code.name, detail: error.detail,
                keysUnavailable: error.kind == .keysUnavailable)
        }
    }
}

/// Used when no token settings exist: every request is refused with a 401 that says why.
struct UnconfiguredAuthenticator: CallerAuthenticator {
    func authenticate(authorizationHeader: String?) async throws(AuthenticationFailure) -> Caller {
        throw AuthenticationFailure(
            message: "This gateway has no token verification configured (AUTH_JWT_SECRET, AUTH_JWKS_FILE or AUTH_JWKS_URL).",
            challenge: "Bearer realm=\"threadgate\"", code: "authentication_not_configured")
    }
}
