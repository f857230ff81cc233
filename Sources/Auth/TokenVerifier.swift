import Crypto
import JWTKit
public import UpstreamHTTP

/// Turns `Authorization: Bearer <jwt>` into a `Principal`.
///
/// Algorithms are tied to key types: the HMAC secret verifies only HS256; JWKS keys verify
/// only RS256 (RS384/RS512 when the key declares it) and ES256 on P-256; `none` and
/// everything else are refused. Verified tokens are cached (see `VerifiedTokenCache`), so a
/// repeated token costs a SHA-256 and a dictionary lookup instead of a signature check.
///
/// Keys load in `make`: the JWKS file is read, and the JWKS URL fetched, before it returns —
/// a gateway whose identity provider is unreachable at start-up fails to start with a clear
/// `keysUnavailable` error rather than refusing every request later. After start-up an unknown
/// `kid` triggers a re-fetch of the URL (rate-limited); the file is read only once.
///
/// ```swift
/// let verifier = try await TokenVerifier.make(configuration, http: upstreamClient)
/// let principal = try await verifier.verify(authorizationHeader: request.headers["Authorization"])
/// ```
public final class TokenVerifier: Sendable {
    public let configuration: AuthConfiguration
    private let checks: ClaimChecks
    private let hmac: JWTKeyCollection?
    private let fileKeys: JWKSKeySet?
    private let remoteKeys: RemoteJWKS?
    private let cache: VerifiedTokenCache
    private let clock: AuthClock

    private init(
        configuration: AuthConfiguration, hmac: JWTKeyCollection?, fileKeys: JWKSKeySet?, remoteKeys: RemoteJWKS?,
        clock: AuthClock
    ) {
        self.configuration = configuration
        checks = ClaimChecks(configuration)
        self.hmac = hmac
        self.fileKeys = fileKeys
        self.remoteKeys = remoteKeys
        cache = VerifiedTokenCache(capacity: configuration.cacheCapacity)
        self.clock = clock
    }

    /// Loads the configured keys: the HMAC secret, the JWKS file, and the JWKS URL through
    /// `http` (required when `jwksURL` is set; its loop runs the fetches).
    ///
    /// - Parameter clock: the wall clock for `exp`/`nbf` and the refresh limit; tests pass their own.
    /// - Throws: `AuthError` of kind `configuration` (no key source, invalid values, unreadable or
    ///   unusable JWKS file, a URL without a client) or `keysUnavailable` (the URL fails).
    public static func make(
        _ configuration: AuthConfiguration, http: UpstreamHTTPClient?, clock: AuthClock = .system
    ) async throws(AuthError) -> TokenVerifier {
        try configuration.validate()
        guard configuration.hasKeySource else {
            throw .configuration("no token keys: set AUTH_JWT_SECRET, AUTH_JWKS_FILE or AUTH_JWKS_URL")
        }
        var hmac: JWTKeyCollection?
        if let secret = configuration.hmacSecret {
            let collection = JWTKeyCollection()
            await collection.add(hmac: HMACKey(from: Array(secret.utf8)), digestAlgorithm: .sha256)
            hmac = collection
        }
        var fileKeys: JWKSKeySet?
        if let path = configuration.jwksFile {
            fileKeys = try await JWKSKeySet.load(FileContents.load(path), source: path, failure: .configuration)
        }
        var remoteKeys: RemoteJWKS?
        if let url = configuration.jwksURL {
            guard let http else { throw .configuration("AUTH_JWKS_URL is set but no HTTP client was given") }
            remoteKeys = try await RemoteJWKS.load(
                url: url, http: http, interval: configuration.jwksRefreshInterval, clock: clock)
        }
        return TokenVerifier(
            configuration: configuration, hmac: hmac, fileKeys: fileKeys, remoteKeys: remoteKeys, clock: clock)
    }

    /// Verifies an `Authorization` header value as received; nil when the header is absent.
    ///
    /// - Throws: `AuthError` of kind `missingToken` (no or empty header) or `invalidToken`
    ///   (see `AuthError.Code`). Its `message` and `wwwAuthenticate` are safe to send.
    public func verify(authorizationHeader: String?) async throws(AuthError) -> Principal {
        try await verify(token: BearerToken.extract(fromAuthorization: authorizationHeader))
    }

    /// Verifies a bare compact JWT (no `Bearer ` prefix).
    public func verify(token text: String) async throws(AuthError) -> Principal {
        guard text.utf8.count <= BearerToken.maximumLength else {
            throw .malformed("the bearer token is too long", detail: "\(text.utf8.count) bytes")
        }
        let now = clock.now()
        let cacheKey = VerifiedTokenCache.key(text)
        if let principal = cache.lookup(cacheKey, now: now) { return principal }
        let token = try BearerToken(text)
        let collection = try await keys(for: token)
        do {
            _ = try await collection.verify(text, as: SignatureOnly.self)
        } catch {
            throw AuthError(.badSignature, "the token's signature is not valid", detail: "\(error)")
        }
        let principal = try checks.principal(from: token.claims, now: now)
        var validUntil = now + configuration.cacheLifetime.secondsValue
        if let expiresAt = token.claims["exp"]?.doubleValue { validUntil = min(validUntil, expiresAt + checks.leeway) }
        cache.insert(cacheKey, principal, validUntil: validUntil, now: now)
        return principal
    }

    /// Tokens in the verified-token cache (expired ones included until looked up or evicted).
    public var cachedTokenCount: Int { cache.count }

    /// The key collection that may verify `token`, by its `alg` and `kid`.
    private func keys(for token: BearerToken) async throws(AuthError) -> JWTKeyCollection {
        let algorithm = token.algorithm
        switch algorithm {
        case "HS256":
            guard let hmac else { throw Self.disallowed(algorithm) }
            return hmac
        case "RS256", "RS384", "RS512", "ES256":
            guard fileKeys != nil || remoteKeys != nil else { throw Self.disallowed(algorithm) }
            var found = lookup(token.keyID)
            if found == nil, let remoteKeys {
                await remoteKeys.refreshAfterUnknownKey()
                found = lookup(token.keyID)
            }
            guard let (set, key) = found else {
                var detail = "kid \(token.keyID ?? "absent")"
                if let failure = remoteKeys?.lastFailure { detail += "; last JWKS refresh failed: \(failure)" }
                throw AuthError(.unknownKey, "the token's signing key is not known", detail: detail)
            }
            guard key.algorithm == algorithm else {
                throw AuthError(
                    .disallowedAlgorithm, "the token's algorithm does not match its key",
                    detail: "alg \(algorithm), key \(key.identifier) allows \(key.algorithm)")
            }
            return set.collection
        default:
            throw Self.disallowed(algorithm)
        }
    }

    private func lookup(_ keyID: String?) -> (JWKSKeySet, JWKSKeySet.Key)? {
        if let set = remoteKeys?.keys, let key = set.key(for: keyID) { return (set, key) }
        if let set = fileKeys, let key = set.key(for: keyID) { return (set, key) }
        return nil
    }

    private static func disallowed(_ algorithm: String) -> AuthError {
        if algorithm.lowercased() == "none" {
            return AuthError(.disallowedAlgorithm, "unsigned tokens are not accepted", detail: "alg none")
        }
        return AuthError(
            .disallowedAlgorithm, "the token's signing algorithm is not accepted", detail: "alg \(algorithm.prefix(20))")
    }
}

/// A payload jwt-kit decodes into nothing: it checks only the signature, and `ClaimChecks`
/// reads the claims (with the configured leeway and admin claim).
private struct SignatureOnly: JWTPayload {
    init(from decoder: any Decoder) throws {}
    func encode(to encoder: any Encoder) throws {}
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
