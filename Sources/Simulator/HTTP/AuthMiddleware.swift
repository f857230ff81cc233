import HTTP1
import HTTPRouting

/// 401 unless `Authorization: Bearer <the configured key>`, in the upstream's words.
struct APIKeyMiddleware: Middleware {
    let apiKey: String

    func handle(_ request: RoutedRequest, next: RouteHandler) async throws -> HTTPResponse {
        let key = Self.bearerToken(request.headers["authorization"])
        guard let key, !key.isEmpty else { throw Self.missingKey }
        guard key == apiKey else { throw Self.incorrectKey(key) }
        return try await next(request)
    }

    static func bearerToken(_ header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return String(parts[1]).trimmingSpaces()
    }

    static let missingKey = APIError(
        status: .unauthorized, type: .invalidRequest, code: nil,
        message:
            "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys."
    )

    static func incorrectKey(_ key: String) -> APIError {
        APIError(
            status: .unauthorized, type: .invalidRequest, code: APIError.Code("invalid_api_key"),
            message:
                "Incorrect API key provided: \(masked(key)). You can find your API key at https://platform.openai.com/account/api-keys."
        )
    }

    /// `sk-****…wxyz`: the first 3 and last 4 characters of longer keys, stars otherwise.
    static func masked(_ key: String) -> String {
        let characters = Array(key)
        guard characters.count > 8 else { return String(repeating: "*", count: characters.count) }
        return String(characters.prefix(3)) + String(repeating: "*", count: characters.count - 7)
            + String(characters.suffix(4))
    }
}

/// 400 `invalid_beta` unless `OpenAI-Beta` names `assistants=v2`, as the upstream answers
/// every Assistants call.
struct BetaHeaderMiddleware: Middleware {
    func handle(_ request: RoutedRequest, next: RouteHandler) async throws -> HTTPResponse {
        let values = request.headers.values(of: "openai-beta").flatMap { $0.split(separator: ",") }
            .map { String($0).trimmingSpaces().lowercased() }
        if values.contains("assistants=v2") { return try await next(request) }
        if values.contains("assistants=v1") {
            throw APIError(
                status: .badRequest, type: .invalidRequest, code: APIError.Code("invalid_beta"),
                message:
                    "The v1 Assistants API has been deprecated. Please try again by setting the header 'OpenAI-Beta: assistants=v2'."
            )
        }
        throw APIError(
            status: .badRequest, type: .invalidRequest, code: APIError.Code("invalid_beta"),
            message:
                "You must provide the 'OpenAI-Beta' header to access the Assistants API. Please try again by setting the header 'OpenAI-Beta: assistants=v2'."
        )
    }
}

extension String {
    func trimmingSpaces() -> String {
        var text = Substring(self)
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return String(text)
    }
}
