import JSON
import Testing
@testable import Auth

@Suite struct HMACVerificationTests {
    let clock = TestClock()

    func verifier(_ configuration: AuthConfiguration = hmacConfiguration()) async throws(AuthError) -> TokenVerifier {
        try await TokenVerifier.make(configuration, http: nil, clock: clock.authClock)
    }

    @Test func validHS256TokenGivesItsPrincipal() async throws {
        let principal = try await verify(verifier(), hs256Token(claims()))
        #expect(principal == Principal(subject: "alice", isAdmin: false, expiresAt: Int64(testEpoch) + 3600))
    }

    @Test func adminClaimAsAString() async throws {
        let principal = try await verify(verifier(), hs256Token(claims([("roles", "admin")])))
        #expect(principal.isAdmin)
    }

    @Test func adminClaimAsAnArray() async throws {
        let verifier = try await verifier()
        #expect(try await verify(verifier, hs256Token(claims([("roles", ["reader", "admin"])]))).isAdmin)
        #expect(try await !verify(verifier, hs256Token(claims(sub: "bob", [("roles", ["reader"])]))).isAdmin)
        #expect(try await !verify(verifier, hs256Token(claims(sub: "carol", [("roles", "administrator")]))).isAdmin)
    }

    @Test func customAdminClaimAndValueIncludingADottedPath() async throws {
        var configuration = hmacConfiguration()
        configuration.adminClaim = "realm_access.roles"
        configuration.adminValue = "gateway-admin"
        let verifier = try await verifier(configuration)
        let nested = claims([("realm_access", ["roles": ["gateway-admin"]])])
        #expect(try await verify(verifier, hs256Token(nested)).isAdmin)
        #expect(try await !verify(verifier, hs256Token(claims(sub: "bob", [("roles", "admin")]))).isAdmin)
    }

    @Test func badSignatureIsRefused() async throws {
        let verifier = try await verifier()
        let token = hs256Token(claims(), secret: "another-secret-that-is-long-enough-000000")
        let error = await authError { try await verify(verifier, token) }
        #expect(error?.code == .badSignature)
        #expect(error?.kind == .invalidToken)
    }

    @Test func tamperedPayloadIsRefused() async throws {
        let verifier = try await verifier()
        let parts = hs256Token(claims()).split(separator: ".")
        let forged = parts[0] + "." + segment(claims(sub: "mallory", [("roles", "admin")])) + "." + parts[2]
        #expect(await authError { try await verify(verifier, String(forged)) }?.code == .badSignature)
    }

    @Test func missingOrEmptySubjectIsRefused() async throws {
        let verifier = try await verifier()
        #expect(await authError { try await verify(verifier, hs256Token(claims(sub: nil))) }?.code == .missingSubject)
        #expect(await authError { try await verify(verifier, hs256Token(claims(sub: ""))) }?.code == .missingSubject)
        let numeric = claims(sub: nil, [("sub", 42)])
        #expect(await authError { try await verify(verifier, hs256Token(numeric)) }?.code == .missingSubject)
    }

    @Test func tokenWithoutExpIsAcceptedWithNoExpiry() async throws {
        let principal = try await verify(verifier(), hs256Token(claims(exp: nil)))
        #expect(principal.expiresAt == nil)
    }

    @Test func nonNumericExpIsMalformed() async throws {
        let token = hs256Token(claims(exp: nil, [("exp", "tomorrow")]))
        #expect(await authError { try await verify(verifier(), token) }?.code == .malformed)
    }

    @Test func shortSecretIsRefusedAtMake() async throws {
        let error = await authError {
            try await TokenVerifier.make(AuthConfiguration(hmacSecret: "short"), http: nil)
        }
        #expect(error?.kind == .configuration)
        #expect(error?.message.contains("32") == true)
    }

    @Test func noKeySourceIsAConfigurationError() async throws {
        let error = await authError { try await TokenVerifier.make(AuthConfiguration(), http: nil) }
        #expect(error?.kind == .configuration)
    }
}
