import EventLoop
import HTTP1
import JSON
import Testing
import TestSupport
import UpstreamHTTP
@testable import Auth

/// A JWKS served by the project's HTTP/1 server on loopback; its body can change (key rotation).
final class JWKSResponder: HTTPResponder {
    let document = LockedValue("")
    private let hitCount = LockedValue(0)
    var hits: Int { hitCount.withLock { $0 } }

    func dispatch(_ request: HTTPRequest) -> HTTPDispatch {
        guard request.path == "/jwks.json" else { return .immediate(HTTPResponse(status: .notFound)) }
        hitCount.withLock { $0 += 1 }
        let body = document.withLock { $0 }
        return .immediate(HTTPResponse(status: .ok, headers: ["Content-Type": "application/json"], bytes: Array(body.utf8)))
    }
}

/// Starts the JWKS server and an upstream client on their own loops, runs `body`, and checks
/// both loops close with no handle left.
func withJWKSServer(_ body: (JWKSResponder, String, UpstreamHTTPClient) async throws -> Void) async throws {
    let serverLoop = try EventLoop.start(name: "jwks-server")
    let clientLoop = try EventLoop.start(name: "jwks-client")
    let responder = JWKSResponder()
    let server = try await HTTPServer.start(
        configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0, reusePort: false),
        responder: responder, loops: [serverLoop])
    let client = UpstreamHTTPClient(loop: clientLoop)
    var failure: (any Error)?
    do {
        try await body(responder, "http://127.0.0.1:\(server.port)/jwks.json", client)
    } catch {
        failure = error
    }
    await client.shutdown()
    await server.shutdown(gracePeriod: .seconds(1))
    let statuses = try await onThread {
        EventLoop.shutdownAndJoin([clientLoop, serverLoop])
        return [clientLoop, serverLoop].map { ($0.closeStatus, $0.forcedCloses) }
    }
    for (closeStatus, forcedCloses) in statuses {
        #expect(closeStatus == 0)
        #expect(forcedCloses == 0)
    }
    if let failure { throw failure }
}

@Suite(.serialized) struct JWKSURLTests {
    let clock = TestClock()

    @Test func keysAreFetchedAtStartAndVerifyTokens() async throws {
        let key = ECTestKey(kid: "ec-1")
        try await withJWKSServer { responder, url, client in
            responder.document.withLock { $0 = jwks([key.jwk, RSATest.jwk(kid: "rsa-1")]) }
            let verifier = try await TokenVerifier.make(AuthConfiguration(jwksURL: url), http: client, clock: clock.authClock)
            #expect(responder.hits == 1)
            #expect(try await verify(verifier, key.token(claims(sub: "e"))).subject == "e")
            #expect(try await verify(verifier, RSATest.token(claims(sub: "r"), kid: "rsa-1")).subject == "r")
            #expect(responder.hits == 1)
        }
    }

    @Test func unknownKidAfterRotationRefetchesOnceThenIsRateLimited() async throws {
        let old = ECTestKey(kid: "old")
        let new = ECTestKey(kid: "new")
        try await withJWKSServer { responder, url, client in
            responder.document.withLock { $0 = jwks([old.jwk]) }
            var configuration = AuthConfiguration(jwksURL: url)
            configuration.jwksRefreshInterval = .seconds(30)
            let verifier = try await TokenVerifier.make(configuration, http: client, clock: clock.authClock)
            #expect(try await verify(verifier, old.token(claims())).subject == "alice")

            // The provider rotates. Within 30 s of the start-up fetch, no refetch happens.
            responder.document.withLock { $0 = jwks([new.jwk]) }
            let newToken = try new.token(claims(sub: "bob"))
            #expect(await authError { try await verify(verifier, newToken) }?.code == .unknownKey)
            #expect(responder.hits == 1)

            // Later, the unknown kid triggers one refetch, which finds the new key.
            clock.advance(by: 31)
            #expect(try await verify(verifier, newToken).subject == "bob")
            #expect(responder.hits == 2)
            // The old key is gone with the old document.
            let oldToken = try old.token(claims(sub: "carol"))
            #expect(await authError { try await verify(verifier, oldToken) }?.code == .unknownKey)
            #expect(responder.hits == 2)

            // Made-up kids cannot make it fetch more than once per interval.
            for index in 0..<5 {
                let forged = try new.token(claims(), kid: "made-up-\(index)")
                #expect(await authError { try await verify(verifier, forged) }?.code == .unknownKey)
            }
            #expect(responder.hits == 2)
            clock.advance(by: 31)
            let forged = try new.token(claims(), kid: "made-up-again")
            #expect(await authError { try await verify(verifier, forged) }?.code == .unknownKey)
            #expect(responder.hits == 3)
        }
    }

    @Test func concurrentUnknownKidsShareOneFetch() async throws {
        let old = ECTestKey(kid: "old")
        let new = ECTestKey(kid: "new")
        try await withJWKSServer { responder, url, client in
            responder.document.withLock { $0 = jwks([old.jwk]) }
            let verifier = try await TokenVerifier.make(AuthConfiguration(jwksURL: url), http: client, clock: clock.authClock)
            responder.document.withLock { $0 = jwks([old.jwk, new.jwk]) }
            clock.advance(by: 31)
            let tokens = try (0..<8).map { try new.token(claims(sub: "user-\($0)")) }
            try await withThrowingTaskGroup(of: String.self) { group in
                for token in tokens { group.addTask { try await verify(verifier, token).subject } }
                var subjects: Set<String> = []
                for try await subject in group { subjects.insert(subject) }
                #expect(subjects.count == 8)
            }
            #expect(responder.hits == 2)
        }
    }

    @Test func failedRefreshKeepsTheKeysItHad() async throws {
        let key = ECTestKey(kid: "ec-1")
        try await withJWKSServer { responder, url, client in
            responder.document.withLock { $0 = jwks([key.jwk]) }
            let verifier = try await TokenVerifier.make(AuthConfiguration(jwksURL: url), http: client, clock: clock.authClock)
            responder.document.withLock { $0 = "{broken" }
            clock.advance(by: 31)
            let error = await authError { try await verify(verifier, key.token(claims(), kid: "ec-2")) }
            #expect(error?.code == .unknownKey)
            #expect(error?.detail.contains("refresh failed") == true)
            #expect(try await verify(verifier, key.token(claims())).subject == "alice")
        }
    }

    @Test func unreachableURLFailsStartUpClearly() async throws {
        let loop = try EventLoop.start(name: "jwks-client")
        let client = UpstreamHTTPClient(loop: loop)
        let url = "http://127.0.0.1:\(closedPort())/jwks.json"
        let error = await authError { try await TokenVerifier.make(AuthConfiguration(jwksURL: url), http: client) }
        #expect(error?.kind == .keysUnavailable)
        #expect(error?.message.contains("127.0.0.1") == false)
        await client.shutdown()
        try await onThread { EventLoop.shutdownAndJoin([loop]) }
    }

    @Test func urlWithoutAClientIsAConfigurationError() async throws {
        let error = await authError {
            try await TokenVerifier.make(AuthConfiguration(jwksURL: "http://127.0.0.1:1/jwks.json"), http: nil)
        }
        #expect(error?.kind == .configuration)
    }
}
