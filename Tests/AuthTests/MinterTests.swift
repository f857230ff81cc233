import JSON
import Testing
@testable import Auth

@Suite struct MinterTests {
    let clock = TestClock()

    @Test func mintedTokenRoundTripsThroughTheVerifier() async throws {
        let configuration = hmacConfiguration(issuer: "threadgate-dev", audience: "threadgate")
        let verifier = try await TokenVerifier.make(configuration, http: nil, clock: clock.authClock)
        let user = try TokenMinter.mintHS256(
            subject: "alice", admin: false, ttl: .seconds(3600), configuration: configuration, clock: clock.authClock)
        #expect(try await verify(verifier, user) == Principal(subject: "alice", isAdmin: false, expiresAt: Int64(testEpoch) + 3600))
        let admin = try TokenMinter.mintHS256(
            subject: "root", admin: true, ttl: .seconds(60), configuration: configuration, clock: clock.authClock)
        #expect(try await verify(verifier, admin).isAdmin)
    }

    @Test func mintedClaimsAreTheDocumentedOnes() throws {
        var configuration = hmacConfiguration(issuer: "iss-1", audience: "aud-1")
        configuration.adminClaim = "groups"
        let token = try TokenMinter.mintHS256(
            subject: "bob", admin: true, ttl: .seconds(90), configuration: configuration, clock: clock.authClock)
        let parsed = try BearerToken(token)
        #expect(parsed.algorithm == "HS256")
        #expect(parsed.claims["sub"] == "bob")
        #expect(parsed.claims["iat"] == .int(Int64(testEpoch)))
        #expect(parsed.claims["exp"] == .int(Int64(testEpoch) + 90))
        #expect(parsed.claims["iss"] == "iss-1")
        #expect(parsed.claims["aud"] == "aud-1")
        #expect(parsed.claims["groups"] == ["admin"])
        let plain = try TokenMinter.mintHS256(
            subject: "bob", admin: false, ttl: .seconds(90), configuration: hmacConfiguration(), clock: clock.authClock)
        let plainClaims = try BearerToken(plain).claims
        #expect(plainClaims["roles"] == nil && plainClaims["iss"] == nil && plainClaims["aud"] == nil)
    }

    @Test func mintedTokenExpires() async throws {
        let verifier = try await TokenVerifier.make(hmacConfiguration(), http: nil, clock: clock.authClock)
        let token = try TokenMinter.mintHS256(
            subject: "alice", admin: false, ttl: .seconds(60), configuration: hmacConfiguration(), clock: clock.authClock)
        clock.advance(by: 60 + 30)
        #expect(await authError { try await verify(verifier, token) }?.code == .expired)
    }

    @Test func mintingNeedsAValidSecretAndSubject() {
        func mint(_ configuration: AuthConfiguration, subject: String = "alice", ttl: Duration = .seconds(60)) -> AuthError? {
            do {
                _ = try TokenMinter.mintHS256(subject: subject, admin: false, ttl: ttl, configuration: configuration)
                return nil
            } catch {
                return error
            }
        }
        #expect(mint(AuthConfiguration(jwksURL: "https://id.example.com/jwks"))?.kind == .configuration)
        #expect(mint(AuthConfiguration(hmacSecret: "short"))?.kind == .configuration)
        #expect(mint(hmacConfiguration(), subject: "")?.kind == .configuration)
        #expect(mint(hmacConfiguration(), ttl: .zero)?.kind == .configuration)
    }
}
