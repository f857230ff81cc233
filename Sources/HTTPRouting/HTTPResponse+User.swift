public import HTTP1

extension HTTPResponse {
    /// Runs `body` and names `user` on the response it returns, including an error it throws
    /// that has a public form (rendered here as the router would), so the access log and
    /// metrics know who a failed request acted for. Other errors are rethrown unchanged. A later
    /// response (``HTTPResponse/Body/later(_:finishers:)``) gets the same once it is known.
    ///
    /// ```swift
    /// return try await HTTPResponse.attributed(to: caller.subject) { try await next(request) }
    /// ```
    public static func attributed(
        to user: String, _ body: () async throws -> HTTPResponse
    ) async throws -> HTTPResponse {
        var response: HTTPResponse
        do {
            response = try await body()
        } catch let error as any APIErrorConvertible {
            response = error.apiError.response()
        }
        response.whenKnown { outcome in
            var known: HTTPResponse
            switch outcome {
            case .success(let response): known = response
            case .failure(let error as any APIErrorConvertible): known = error.apiError.response()
            case .failure: return outcome
            }
            known.user = user
            return .success(known)
        }
        response.user = user
        return response
    }
}
