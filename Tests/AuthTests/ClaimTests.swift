import JSON
import Testing
@testable import Auth

@Suite struct ClaimTests {
    let clock = TestClock()

    func verifier(_ configuration: AuthConfiguration = hmacConfiguration()) async throws(AuthError) -> TokenVerifier {
        try await TokenVerifier.make(configuration, http: nil, clock: clock.authClock)
    }

    @Test func expiredTokenIsRefused() async throws {
        let error = await authError { try await verify(verifier(), hs256Token(claims(exp: testEpoch - 31))) }
        #expect(error?.code == .expired)
        #expect(error?.message == "the token has expired")
        #expect(
            error?.wwwAuthenticate
                == #"Bearer realm="threadgate", error="invalid_token", error_description="the token has expired""#)
    }

    @Test func expWithinLeewayIsAccepted() async throws {
        let principal = try await verify(verifier(), hs256Token(claims(exp: testEpoch - 20)))
        #expect(principal.subject == "alice")
    }

    @Test func zeroLeewayRefusesAtExp() async throws {
        var configuration = hmacConfiguration()
        configuration.leeway = .zero
        let error = await authError { try await verify(verifier(configuration), hs256Token(claims(exp: testEpoch))) }
        #expect(error?.code == .expired)
    }

    @Test func nbfInTheFutureIsRefused() async throws {
        let token = hs256Token(claims([("nbf", .int(Int64(testEpoch) + 120))]))
        #expect(await authError { try await verify(verifier(), token) }?.code == .notYetValid)
    }

    @Test func nbfWithinLeewayIsAccepted() async throws {
        let token = hs256Token(claims([("nbf", .int(Int64(testEpoch) + 10))]))
        #expect(try await verify(verifier(), token).subject == "alice")
    }

    @Test func wrongIssuerIsRefused() async throws {
        let verifier = try await verifier(hmacConfiguration(issuer: "https://id.example.com"))
        let wrong = hs256Token(claims([("iss", "https://evil.example.com")]))
        #expect(await authError { try await verify(verifier, wrong) }?.code == .wrongIssuer)
        let missing = hs256Token(claims())
        #expect(await authError { try await verify(verifier, missing) }?.code == .wrongIssuer)
        let right = hs256Token(claims([("iss", "https://id.example.com")]))
        #expect(try await verify(verifier, right).subject == "alice")
    }

    @Test func wrongAudienceIsRefused() async throws {
        let verifier = try await verifier(hmacConfiguration(audience: "threadgate"))
        let wrong = hs256Token(claims([("aud", "other-api")]))
        #expect(await authError { try await verify(verifier, wrong) }?.code == .wrongAudience)
        let wrongArray = hs256Token(claims([("aud", ["a", "b"])]))
        #expect(await authError { try await verify(verifier, wrongArray) }?.code == .wrongAudience)
        #expect(try await verify(verifier, hs256Token(claims([("aud", "threadgate")]))).subject == "alice")
        #expect(try await verify(verifier, hs256Token(claims(sub: "bob", [("aud", ["x", "threadgate"])]))).subject == "bob")
    }

    @Test func issuerAndAudienceAreUncheckedWhenNotConfigured() async throws {
        let token = hs256Token(claims([("iss", "anyone"), ("aud", "anything")]))
        #expect(try await verify(verifier(), token).subject == "alice")
    }
}
