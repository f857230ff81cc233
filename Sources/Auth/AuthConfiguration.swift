/// How bearer tokens are checked: which keys sign them, which claims must hold.
///
/// At least one key source is needed for a `TokenVerifier`: an HMAC secret (HS256 tokens),
/// a JWKS file and/or a JWKS URL (RS256/RS384/RS512 and ES256 tokens). Each source accepts
/// only its own algorithms, so an HS256 token never meets an RSA key.
///
/// ```swift
/// guard let auth = try AuthConfiguration.fromEnvironment(environment) else { /* auth off */ }
/// let verifier = try await TokenVerifier.make(auth, http: client)
/// ```
public struct AuthConfiguration: Sendable {
    /// `AUTH_JWT_SECRET`: the HS256 secret, used as its UTF-8 bytes; at least 32 of them.
    public var hmacSecret: String?
    /// `AUTH_JWKS_FILE`: a JWKS JSON file read once at start-up.
    public var jwksFile: String?
    /// `AUTH_JWKS_URL`: a JWKS fetched at start-up and again on an unknown `kid`.
    public var jwksURL: String?
    /// `AUTH_ISSUER`: when set, `iss` must equal it.
    public var issuer: String?
    /// `AUTH_AUDIENCE`: when set, `aud` (a string or an array) must contain it.
    public var audience: String?
    /// `AUTH_ADMIN_CLAIM`: the claim naming roles (default `roles`). A dotted name such as
    /// `realm_access.roles` is looked up as a path when no top-level claim has that name.
    public var adminClaim: String
    /// `AUTH_ADMIN_VALUE`: the value marking an admin (default `admin`); the claim may be that
    /// string or an array of strings containing it.
    public var adminValue: String
    /// `AUTH_LEEWAY_SECONDS`: clock skew allowed on `exp` and `nbf` (default 30 s).
    public var leeway: Duration
    /// The least time between two JWKS URL fetches caused by unknown `kid`s (default 30 s), so
    /// tokens with made-up key ids cannot make the gateway hammer the identity provider.
    public var jwksRefreshInterval: Duration
    /// Verified tokens remembered (default 10,000); 0 turns the cache off.
    public var cacheCapacity: Int
    /// The longest a verified token is remembered before it is checked again (default 5 min).
    public var cacheLifetime: Duration

    public static let minimumSecretBytes = 32

    public init(
        hmacSecret: String? = nil, jwksFile: String? = nil, jwksURL: String? = nil,
        issuer: String? = nil, audience: String? = nil,
        adminClaim: String = "roles", adminValue: String = "admin",
        leeway: Duration = .seconds(30), jwksRefreshInterval: Duration = .seconds(30),
        cacheCapacity: Int = 10_000, cacheLifetime: Duration = .seconds(300)
    ) {
        self.hmacSecret = hmacSecret
        self.jwksFile = jwksFile
        self.jwksURL = jwksURL
        self.issuer = issuer
        self.audience = audience
        self.adminClaim = adminClaim
        self.adminValue = adminValue
        self.leeway = leeway
        self.jwksRefreshInterval = jwksRefreshInterval
        self.cacheCapacity = cacheCapacity
        self.cacheLifetime = cacheLifetime
    }

    /// True when some key source is set.
    public var hasKeySource: Bool { hmacSecret != nil || jwksFile != nil || jwksURL != nil }

    /// Checks the values a `TokenVerifier` or `TokenMinter` relies on.
    public func validate() throws(AuthError) {
        if let secret = hmacSecret {
            if secret.isEmpty { throw .configuration("AUTH_JWT_SECRET is set but empty") }
            if secret.utf8.count < Self.minimumSecretBytes {
                throw .configuration(
                    "AUTH_JWT_SECRET is \(secret.utf8.count) bytes; HS256 needs at least \(Self.minimumSecretBytes) "
                        + "(generate one with: openssl rand -base64 48)")
            }
        }
        if let file = jwksFile, file.isEmpty { throw .configuration("AUTH_JWKS_FILE is set but empty") }
        if let url = jwksURL, !(url.hasPrefix("https://") || url.hasPrefix("http://")) {
            throw .configuration("AUTH_JWKS_URL must be an http:// or https:// URL")
        }
        if let issuer, issuer.isEmpty { throw .configuration("AUTH_ISSUER is set but empty") }
        if let audience, audience.isEmpty { throw .configuration("AUTH_AUDIENCE is set but empty") }
        if adminClaim.isEmpty { throw .configuration("AUTH_ADMIN_CLAIM is empty") }
        if adminValue.isEmpty { throw .configuration("AUTH_ADMIN_VALUE is empty") }
        if leeway < .zero || leeway > .seconds(3600) {
            throw .configuration("AUTH_LEEWAY_SECONDS must be from 0 to 3600")
        }
        if cacheCapacity < 0 { throw .configuration("the token cache capacity must not be negative") }
    }
}
