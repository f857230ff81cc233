import JSON

/// The claim rules a verified signature does not cover: `sub`, `exp`, `nbf`, `iss`, `aud`,
/// and the admin claim. Times are seconds since 1970; `leeway` widens `exp` and `nbf`.
struct ClaimChecks: Sendable {
    var issuer: String?
    var audience: String?
    var adminClaim: String
    var adminValue: String
    var leeway: Double

    init(_ configuration: AuthConfiguration) {
        issuer = configuration.issuer
        audience = configuration.audience
        adminClaim = configuration.adminClaim
        adminValue = configuration.adminValue
        leeway = configuration.leeway.secondsValue
    }

    /// The principal the claims name, if they hold at `now`.
    func principal(from claims: JSONObject, now: Double) throws(AuthError) -> Principal {
        let expiresAt = try Self.numericDate(claims["exp"], name: "exp")
        if let expiresAt, now >= expiresAt + leeway {
            throw AuthError(.expired, "the token has expired")
        }
        if let notBefore = try Self.numericDate(claims["nbf"], name: "nbf"), now + leeway < notBefore {
            throw AuthError(.notYetValid, "the token is not valid yet")
        }
        if let issuer, claims["iss"]?.stringValue != issuer {
            throw AuthError(.wrongIssuer, "the token's issuer is not accepted")
        }
        if let audience, !Self.contains(claims["aud"], audience) {
            throw AuthError(.wrongAudience, "the token is not meant for this audience")
        }
        guard let subject = claims["sub"]?.stringValue, !subject.isEmpty else {
            throw AuthError(.missingSubject, "the token has no subject")
        }
        let isAdmin = Self.contains(adminClaimValue(in: claims), adminValue)
        return Principal(subject: subject, isAdmin: isAdmin, expiresAt: expiresAt.map { Int64($0.rounded(.down)) })
    }

    /// The admin claim: the top-level claim of that name, else the dotted path into objects.
    private func adminClaimValue(in claims: JSONObject) -> JSONValue? {
        if let value = claims[adminClaim] { return value }
        guard adminClaim.contains(".") else { return nil }
        var current: JSONValue? = .object(claims)
        for component in adminClaim.split(separator: ".", omittingEmptySubsequences: false) {
            current = current?[String(component)]
        }
        return current
    }

    /// True when `value` is `wanted` or an array holding the string `wanted`.
    private static func contains(_ value: JSONValue?, _ wanted: String) -> Bool {
        switch value {
        case .string(let text): text == wanted
        case .array(let items): items.contains { $0.stringValue == wanted }
        default: false
        }
    }

    /// A NumericDate (RFC 7519 §2): nil when absent, an error when not a number.
    private static func numericDate(_ value: JSONValue?, name: String) throws(AuthError) -> Double? {
        switch value {
        case nil: return nil
        case .int(let seconds): return Double(seconds)
        case .double(let seconds) where seconds.isFinite: return seconds
        default: throw .malformed(detail: "\(name) is not a number")
        }
    }
}
