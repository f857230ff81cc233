import HTTP1
import HTTPRouting

/// Verifies the bearer token, records the user (first sight, last seen), and attaches the
/// ``Caller``; with `requireAdmin`, callers without the admin role get 403.
struct AuthenticationMiddleware: Middleware {
    let authenticator: any CallerAuthenticator
    let users: UserDirectory
    let requireAdmin: Bool

    func handle(_ request: RoutedRequest, next: RouteHandler) async throws -> HTTPResponse {
        // The checks run in their own frame, gone before `next` runs: this frame lives as long
        // as the request (minutes for a waiting ask).
        let (request, subject) = try await admitted(request)
        return try await HTTPResponse.attributed(to: subject) { try await next(request) }
    }

    /// The request with its ``Caller`` attached and the caller's subject, or the 401/403 it gets.
    @inline(never)
    private func admitted(_ request: RoutedRequest) async throws -> (RoutedRequest, String) {
        let caller: Caller
        do {
            caller = try await authenticator.authenticate(authorizationHeader: request.headers["authorization"])
        } catch {
            throw error.apiError
        }
        if requireAdmin, !caller.isAdmin {
            throw APIError.forbidden(message: "This endpoint needs an admin token.")
        }
        try await users.touch(caller)
        var request = request
        request.attributes[CallerKey.self] = caller
        return (request, caller.subject)
    }
}
