import Crypto
import EventLoop
import JSON
import JWTKit
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import Auth

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A 40-byte HS256 secret for tests.
let testSecret = "test-secret-0123456789-abcdefghijklmnopq"

/// The moment the tests' clocks start: 2026-01-01T00:00:00Z.
let testEpoch: Double = 1_767_225_600

/// A settable wall clock.
final class TestClock: Sendable {
    private let seconds: LockedValue<Double>
    init(_ start: Double = testEpoch) { seconds = LockedValue(start) }
    var now: Double { seconds.withLock { $0 } }
    func advance(by delta: Double) { seconds.withLock { $0 += delta } }
    var authClock: AuthClock { AuthClock { self.now } }
}

func hmacConfiguration(issuer: String? = nil, audience: String? = nil) -> AuthConfiguration {
    AuthConfiguration(hmacSecret: testSecret, issuer: issuer, audience: audience)
}

/// Claims valid at `testEpoch` for an hour: `sub` and `exp`, plus `extra`.
func claims(sub: String? = "alice", exp: Double? = testEpoch + 3600, _ extra: [(String, JSONValue)] = []) -> JSONObject {
    var object = JSONObject()
    if let sub { object.updateValue(.string(sub), forKey: "sub") }
    if let exp { object.updateValue(.int(Int64(exp)), forKey: "exp") }
    for (key, value) in extra { object.updateValue(value, forKey: key) }
    return object
}

func segment(_ value: JSONObject) -> String { Base64URL.encode(JSONValue.object(value).serialized()) }

/// A token signed with HMAC-SHA256 by hand, with any header.
func hs256Token(_ claims: JSONObject, secret: String = testSecret, header: JSONObject = ["alg": "HS256", "typ": "JWT"]) -> String {
    let input = segment(header) + "." + segment(claims)
    let mac = HMAC<SHA256>.authenticationCode(for: Array(input.utf8), using: SymmetricKey(data: Array(secret.utf8)))
    return input + "." + Base64URL.encode(Array(mac))
}

/// A P-256 key from swift-crypto, with its public JWK and ES256 signing by hand.
struct ECTestKey: Sendable {
    let privateKey = P256.Signing.PrivateKey()
    let kid: String

    var jwk: JSONValue {
        let raw = Array(privateKey.publicKey.rawRepresentation)
        return .object([
            "kty": "EC", "crv": "P-256", "kid": .string(kid), "use": "sig",
            "x": .string(Base64URL.encode(raw[0..<32])), "y": .string(Base64URL.encode(raw[32..<64])),
        ])
    }

    func token(_ claims: JSONObject, kid: String?? = .none, alg: String = "ES256") throws -> String {
        var header: JSONObject = ["alg": .string(alg), "typ": "JWT"]
        switch kid {
        case .none: header.updateValue(.string(self.kid), forKey: "kid")
        case .some(.some(let other)): header.updateValue(.string(other), forKey: "kid")
        case .some(.none): break
        }
        let input = segment(header) + "." + segment(claims)
        let signature = try privateKey.signature(for: Array(input.utf8)).rawRepresentation
        return input + "." + Base64URL.encode(Array(signature))
    }
}

/// The committed RSA test key: its public JWK, and RS256 tokens signed through jwt-kit.
enum RSATest {
    static func jwk(kid: String, alg: String? = nil) -> JSONValue {
        var object: JSONObject = [
            "kty": "RSA", "kid": .string(kid), "n": .string(RSATestKey.modulus), "e": .string(RSATestKey.exponent),
        ]
        if let alg { object.updateValue(.string(alg), forKey: "alg") }
        return .object(object)
    }

    static func token(_ claims: JSONObject, kid: String, digest: DigestAlgorithm = .sha256) async throws -> String {
        let collection = JWTKeyCollection()
        await collection.add(
            rsa: try Insecure.RSA.PrivateKey(pem: RSATestKey.privateKeyPEM), digestAlgorithm: digest,
            kid: JWKIdentifier(string: kid))
        return try await collection.sign(JSONPayload(value: .object(claims)), kid: JWKIdentifier(string: kid))
    }
}

/// Any JSON as a jwt-kit payload.
struct JSONPayload: JWTPayload {
    let value: JSONValue
    init(value: JSONValue) { self.value = value }
    init(from decoder: any Decoder) throws { value = try JSONValue(from: decoder) }
    func encode(to encoder: any Encoder) throws { try value.encode(to: encoder) }
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

func jwks(_ keys: [JSONValue]) -> String { JSONValue.object(["keys": .array(keys)]).jsonString }

/// Writes `text` to a fresh temporary file and returns its path.
func temporaryFile(_ text: String) throws -> String {
    var template = Array("/tmp/auth-test-XXXXXX".utf8CString)
    let descriptor = mkstemp(&template)
    guard descriptor >= 0 else { throw AuthTestError("mkstemp failed") }
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    close(descriptor)
    return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

struct AuthTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The `AuthError` `body` throws; records an issue and returns nil when it succeeds.
func authError<T>(
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> T
) async -> AuthError? {
    do {
        let value = try await body()
        Issue.record("expected an AuthError, got \(value)", sourceLocation: sourceLocation)
        return nil
    } catch let error as AuthError {
        return error
    } catch {
        Issue.record("expected an AuthError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// Verifies `token` as an `Authorization: Bearer` header.
func verify(_ verifier: TokenVerifier, _ token: String) async throws(AuthError) -> Principal {
    try await verifier.verify(authorizationHeader: "Bearer " + token)
}
