import Crypto
import JSON

/// Issues HS256 tokens for development and tests (`threadgate token`).
public enum TokenMinter {
    /// An HS256 token signed with `configuration.hmacSecret`: `sub`, `iat`, `exp = iat + ttl`,
    /// the admin claim as `[adminValue]` when `admin`, and `iss`/`aud` when configured.
    ///
    /// ```swift
    /// let token = try TokenMinter.mintHS256(subject: "alice", admin: false, ttl: .seconds(3600), configuration: config)
    /// ```
    ///
    /// - Throws: `AuthError` of kind `configuration`: no or short secret, empty subject, ttl not positive.
    public static func mintHS256(
        subject: String, admin: Bool, ttl: Duration, configuration: AuthConfiguration, clock: AuthClock = .system
    ) throws(AuthError) -> String {
        guard let secret = configuration.hmacSecret else {
            throw .configuration("no secret to sign with: set AUTH_JWT_SECRET (or pass --secret)")
        }
        try configuration.validate()
        guard !subject.isEmpty else { throw .configuration("the subject (user) must not be empty") }
        guard ttl > .zero else { throw .configuration("the token lifetime must be positive") }
        let issuedAt = Int64(clock.now().rounded(.down))
        var claims = JSONObject()
        claims.updateValue(.string(subject), forKey: "sub")
        claims.updateValue(.int(issuedAt), forKey: "iat")
        claims.updateValue(.int(issuedAt + max(1, Int64(ttl.secondsValue.rounded(.up)))), forKey: "exp")
        if let issuer = configuration.issuer { claims.updateValue(.string(issuer), forKey: "iss") }
        if let audience = configuration.audience { claims.updateValue(.string(audience), forKey: "aud") }
        if admin { claims.updateValue(.array([.string(configuration.adminValue)]), forKey: configuration.adminClaim) }
        let header: JSONValue = .object(JSONObject([("alg", .string("HS256")), ("typ", .string("JWT"))]))
        let signingInput = Base64URL.encode(header.serialized()) + "." + Base64URL.encode(JSONValue.object(claims).serialized())
        let key = SymmetricKey(data: Array(secret.utf8))
        let signature = HMAC<SHA256>.authenticationCode(for: Array(signingInput.utf8), using: key)
        return signingInput + "." + Base64URL.encode(Array(signature))
    }
}
