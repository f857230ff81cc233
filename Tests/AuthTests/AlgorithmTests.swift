import JSON
import Testing
@testable import Auth

/// The algorithm allow-list: each key type verifies only its own algorithms.
@Suite struct AlgorithmTests {
    let clock = TestClock()

    @Test func algNoneIsAlwaysRefused() async throws {
        let verifier = try await TokenVerifier.make(hmacConfiguration(), http: nil, clock: clock.authClock)
        for alg in ["none", "None", "NONE"] {
            let unsigned = segment(["alg": .string(alg), "typ": "JWT"]) + "." + segment(claims()) + "."
            let error = await authError { try await verify(verifier, unsigned) }
            #expect(error?.code == .disallowedAlgorithm, "\(alg)")
            // Even with a signature attached.
            let signed = hs256Token(claims(), header: ["alg": .string(alg)])
            #expect(await authError { try await verify(verifier, signed) }?.code == .disallowedAlgorithm, "\(alg)")
        }
    }

    @Test func otherHMACAlgorithmsAreRefused() async throws {
        let verifier = try await TokenVerifier.make(hmacConfiguration(), http: nil, clock: clock.authClock)
        for alg in ["HS384", "HS512", "PS256", "EdDSA", ""] {
            let token = hs256Token(claims(), header: ["alg": .string(alg)])
            #expect(await authError { try await verify(verifier, token) }?.code == .disallowedAlgorithm, "\(alg)")
        }
    }

    @Test func hs256TokenAgainstAnRS256OnlyJWKSIsRefused() async throws {
        let file = try temporaryFile(jwks([RSATest.jwk(kid: "rsa-1")]))
        let verifier = try await TokenVerifier.make(AuthConfiguration(jwksFile: file), http: nil, clock: clock.authClock)
        #expect(try await verify(verifier, RSATest.token(claims(), kid: "rsa-1")).subject == "alice")
        // HS256 with the RSA modulus (or anything else) as the "secret": no HMAC key exists at all.
        let confused = hs256Token(claims(), secret: RSATestKey.modulus, header: ["alg": "HS256", "kid": "rsa-1"])
        #expect(await authError { try await verify(verifier, confused) }?.code == .disallowedAlgorithm)
    }

    @Test func rs256TokenAgainstAnHS256OnlyConfigurationIsRefused() async throws {
        let verifier = try await TokenVerifier.make(hmacConfiguration(), http: nil, clock: clock.authClock)
        let token = try await RSATest.token(claims(), kid: "rsa-1")
        #expect(await authError { try await verify(verifier, token) }?.code == .disallowedAlgorithm)
    }

    @Test func tokenAlgorithmMustMatchItsKey() async throws {
        let ec = ECTestKey(kid: "ec-1")
        let file = try temporaryFile(jwks([RSATest.jwk(kid: "rsa-1"), ec.jwk]))
        let verifier = try await TokenVerifier.make(AuthConfiguration(jwksFile: file), http: nil, clock: clock.authClock)
        // An ES256 signature presented as RS256 under the EC key's kid.
        let mislabelled = try ec.token(claims(), alg: "RS256")
        #expect(await authError { try await verify(verifier, mislabelled) }?.code == .disallowedAlgorithm)
        // RS512 against an RSA key without alg (RS256 only).
        let rs512 = try await RSATest.token(claims(), kid: "rsa-1", digest: .sha512)
        #expect(await authError { try await verify(verifier, rs512) }?.code == .disallowedAlgorithm)
    }

    @Test func rs512IsAcceptedWhenTheKeyDeclaresIt() async throws {
        let file = try temporaryFile(jwks([RSATest.jwk(kid: "rsa-512", alg: "RS512")]))
        let verifier = try await TokenVerifier.make(AuthConfiguration(jwksFile: file), http: nil, clock: clock.authClock)
        let token = try await RSATest.token(claims(), kid: "rsa-512", digest: .sha512)
        #expect(try await verify(verifier, token).subject == "alice")
    }

    @Test func bothSourcesKeepTheirOwnAlgorithms() async throws {
        let ec = ECTestKey(kid: "ec-1")
        var configuration = hmacConfiguration()
        configuration.jwksFile = try temporaryFile(jwks([ec.jwk]))
        let verifier = try await TokenVerifier.make(configuration, http: nil, clock: clock.authClock)
        #expect(try await verify(verifier, hs256Token(claims(sub: "h"))).subject == "h")
        #expect(try await verify(verifier, ec.token(claims(sub: "e"))).subject == "e")
    }
}
