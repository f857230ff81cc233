import JSON
import Testing
@testable import Auth

@Suite struct HeaderParsingTests {
    let clock = TestClock()

    func verifier() async throws(AuthError) -> TokenVerifier {
        try await TokenVerifier.make(hmacConfiguration(), http: nil, clock: clock.authClock)
    }

    @Test func absentOrBlankHeaderIsAMissingToken() async throws {
        let verifier = try await verifier()
        for value in [nil, "", "   "] as [String?] {
            let error = await authError { try await verifier.verify(authorizationHeader: value) }
            #expect(error?.code == .missingToken)
            #expect(error?.kind == .missingToken)
            #expect(error?.wwwAuthenticate == #"Bearer realm="threadgate""#)
        }
    }

    @Test(arguments: [
        "Basic YWxpY2U6cGFzc3dvcmQ=", "Bearer", "Bearer   ", "Token abc.def.ghi", "Bearer a.b", "Bearer a.b.c.d",
        "Bearer ...", "Bearer !!!.???.***", "Bearer eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln",
        "Bearer WzFd.e30.c2ln",  // header is a JSON array
        "Bearer e30.e30.c2ln",  // header without alg
    ])
    func malformedHeaderValuesAreRefused(_ value: String) async throws {
        let error = await authError { try await verifier().verify(authorizationHeader: value) }
        #expect(error?.code == .malformed, "\(value)")
        #expect(error?.kind == .invalidToken)
        #expect(error?.wwwAuthenticate.hasPrefix(#"Bearer realm="threadgate", error="invalid_token""#) == true)
    }

    @Test func schemeIsCaseInsensitiveAndExtraSpacesAreTolerated() async throws {
        let verifier = try await verifier()
        let token = hs256Token(claims())
        #expect(try await verifier.verify(authorizationHeader: "bearer " + token).subject == "alice")
        #expect(try await verifier.verify(authorizationHeader: "BEARER   " + token + "  ").subject == "alice")
    }

    @Test func tooManySegmentsOfAValidTokenAreRefused() async throws {
        let token = hs256Token(claims()) + ".extra"
        #expect(await authError { try await verify(verifier(), token) }?.code == .malformed)
    }

    @Test func critHeaderIsRefused() async throws {
        let token = hs256Token(claims(), header: ["alg": "HS256", "crit": ["exp"]])
        #expect(await authError { try await verify(verifier(), token) }?.code == .malformed)
    }

    @Test func overlongTokenIsRefusedBeforeDecoding() async throws {
        let token = hs256Token(claims([("pad", .string(String(repeating: "x", count: 9000)))]))
        #expect(await authError { try await verify(verifier(), token) }?.code == .malformed)
    }

    @Test func messagesNeverEchoTheToken() async throws {
        let verifier = try await verifier()
        let tokens = [
            hs256Token(claims(exp: testEpoch - 100)), hs256Token(claims(), secret: String(repeating: "z", count: 40)),
            "Bearer abc.def", hs256Token(claims(sub: nil)),
        ]
        for token in tokens {
            guard let error = await authError({ try await verify(verifier, token) }) else { continue }
            #expect(!error.message.contains(token))
            #expect(!error.wwwAuthenticate.contains(token))
            #expect(!error.detail.contains(token))
        }
    }

    @Test func base64URLRoundTripsAndRejectsPaddingAndBadLengths() {
        for length in 0..<40 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            #expect(Base64URL.decode(Array(Base64URL.encode(bytes).utf8)) == bytes)
        }
        #expect(Base64URL.decode(Array("YQ==".utf8)) == nil)
        #expect(Base64URL.decode(Array("abcde".utf8)) == nil)
        #expect(Base64URL.decode(Array("a+/b".utf8)) == nil)
    }
}
