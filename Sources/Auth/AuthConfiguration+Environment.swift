extension AuthConfiguration {
    /// The settings from `AUTH_*` variables; nil when none of `AUTH_JWT_SECRET`,
    /// `AUTH_JWKS_FILE` and `AUTH_JWKS_URL` is set.
    ///
    /// A variable that is present must have a usable value: an empty one is an error, never
    /// "unset", so `AUTH_JWT_SECRET=` cannot silently mean "no authentication".
    ///
    /// - Throws: `AuthError` of kind `configuration` naming the variable: an empty value, a
    ///   secret under 32 bytes, a leeway that is not a whole number of seconds from 0 to 3600.
    public static func fromEnvironment(_ environment: [String: String]) throws(AuthError) -> AuthConfiguration? {
        let secret = environment["AUTH_JWT_SECRET"]
        let file = environment["AUTH_JWKS_FILE"]
        let url = environment["AUTH_JWKS_URL"]
        guard secret != nil || file != nil || url != nil else { return nil }
        var configuration = AuthConfiguration(hmacSecret: secret, jwksFile: file, jwksURL: url)
        configuration.issuer = environment["AUTH_ISSUER"]
        configuration.audience = environment["AUTH_AUDIENCE"]
        if let claim = environment["AUTH_ADMIN_CLAIM"] { configuration.adminClaim = claim }
        if let value = environment["AUTH_ADMIN_VALUE"] { configuration.adminValue = value }
        if let url, url.isEmpty { throw .configuration("AUTH_JWKS_URL is set but empty") }
        if let text = environment["AUTH_LEEWAY_SECONDS"] {
            guard let seconds = Int(text.trimmingSpaces), (0...3600).contains(seconds) else {
                throw .configuration("AUTH_LEEWAY_SECONDS must be a whole number of seconds from 0 to 3600")
            }
            configuration.leeway = .seconds(seconds)
        }
        try configuration.validate()
        return configuration
    }
}

extension String {
    var trimmingSpaces: Substring {
        let start = firstIndex { $0 != " " && $0 != "\t" } ?? endIndex
        let end = lastIndex { $0 != " " && $0 != "\t" }.map { index(after: $0) } ?? start
        return self[start..<max(start, end)]
    }
}
