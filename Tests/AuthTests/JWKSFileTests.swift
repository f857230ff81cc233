import JSON
import Testing
@testable import Auth

@Suite struct JWKSFileTests {
    let clock = TestClock()

    func verifier(_ keys: [JSONValue]) async throws -> TokenVerifier {
        try await TokenVerifier.make(
            AuthConfiguration(jwksFile: temporaryFile(jwks(keys))), http: nil, clock: clock.authClock)
    }

    @Test func es256TokenVerifiesAgainstAP256Key() async throws {
        let key = ECTestKey(kid: "ec-1")
        let verifier = try await verifier([key.jwk])
        let principal = try await verify(verifier, key.token(claims([("roles", ["admin"])])))
        #expect(principal == Principal(subject: "alice", isAdmin: true, expiresAt: Int64(testEpoch) + 3600))
    }

    @Test func rs256TokenVerifiesAgainstAnRSAKey() async throws {
        let verifier = try await verifier([RSATest.jwk(kid: "rsa-1", alg: "RS256")])
        #expect(try await verify(verifier, RSATest.token(claims(), kid: "rsa-1")).subject == "alice")
    }

    @Test func keysAreChosenByKid() async throws {
        let first = ECTestKey(kid: "ec-1")
        let second = ECTestKey(kid: "ec-2")
        let verifier = try await verifier([first.jwk, second.jwk, RSATest.jwk(kid: "rsa-1")])
        #expect(try await verify(verifier, first.token(claims(sub: "one"))).subject == "one")
        #expect(try await verify(verifier, second.token(claims(sub: "two"))).subject == "two")
        // Signed by the second key but naming the first: a bad signature, not a fallback.
        let swapped = try second.token(claims(sub: "three"), kid: "ec-1")
        #expect(await authError { try await verify(verifier, swapped) }?.code == .badSignature)
    }

    @Test func unknownKidIsRefused() async throws {
        let key = ECTestKey(kid: "ec-1")
        let verifier = try await verifier([key.jwk])
        let token = try key.token(claims(), kid: "ec-9")
        #expect(await authError { try await verify(verifier, token) }?.code == .unknownKey)
    }

    @Test func kidlessTokenUsesTheOnlyKeyOfAOneKeySet() async throws {
        let key = ECTestKey(kid: "ec-1")
        let one = try await verifier([key.jwk])
        #expect(try await verify(one, key.token(claims(), kid: .some(nil))).subject == "alice")
        let two = try await verifier([key.jwk, ECTestKey(kid: "ec-2").jwk])
        #expect(await authError { try await verify(two, key.token(claims(), kid: .some(nil))) }?.code == .unknownKey)
    }

    @Test func unusableKeysAreSkippedAndAnEmptySetIsAnError() async throws {
        let key = ECTestKey(kid: "ec-1")
        let skipped: [JSONValue] = [
            ["kty": "oct", "kid": "hmac", "k": "c2VjcmV0"],
            ["kty": "EC", "crv": "P-384", "kid": "p384", "x": "AA", "y": "AA"],
            ["kty": "RSA", "kid": "enc", "use": "enc", "n": .string(RSATestKey.modulus), "e": "AQAB"],
            ["kty": "RSA", "kid": "pss", "alg": "PS256", "n": .string(RSATestKey.modulus), "e": "AQAB"],
        ]
        let verifier = try await verifier(skipped + [key.jwk])
        #expect(try await verify(verifier, key.token(claims())).subject == "alice")
        let emptyPath = try temporaryFile(jwks(skipped))
        let error = await authError { try await TokenVerifier.make(AuthConfiguration(jwksFile: emptyPath), http: nil) }
        #expect(error?.kind == .configuration)
    }

    @Test func unreadableOrInvalidFilesAreConfigurationErrors() async throws {
        let missing = await authError {
            try await TokenVerifier.make(AuthConfiguration(jwksFile: "/nonexistent/jwks.json"), http: nil)
        }
        #expect(missing?.kind == .configuration)
        let path = try temporaryFile("{not json")
        let invalid = await authError { try await TokenVerifier.make(AuthConfiguration(jwksFile: path), http: nil) }
        #expect(invalid?.kind == .configuration)
    }
}
