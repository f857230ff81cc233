import HTTP1
import HTTPRouting

/// Verifies the bearer token, records the user (first sight, last seen), and attaches the
/// ``Caller``; with `requireAdmin`, callers without the admin role get 403.
struct AuthenticationMiddleware: Middleware {
    let authenticator: any CallerAuthenticator
    let users: UserDirectory
    let requireAdmin: Bool

    func handle(_ request: RoutedRequest, next: RouteHandler) async throws -> HTTPResponse {
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
        return try await HTTPResponse.attributed(to: caller.subject) { try await next(request) }
    }
}
