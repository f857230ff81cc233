import JSON
import Testing
@testable import Auth

@Suite struct CacheTests {
    let clock = TestClock()

    @Test func repeatedTokenIsServedFromTheCache() async throws {
        let verifier = try await TokenVerifier.make(hmacConfiguration(), http: nil, clock: clock.authClock)
        let token = hs256Token(claims())
        let first = try await verify(verifier, token)
        #expect(verifier.cachedTokenCount == 1)
        #expect(try await verify(verifier, token) == first)
        #expect(verifier.cachedTokenCount == 1)
    }

    @Test func cachedTokenPastItsExpFailsAgain() async throws {
        var configuration = hmacConfiguration()
        configuration.leeway = .seconds(5)
        let verifier = try await TokenVerifier.make(configuration, http: nil, clock: clock.authClock)
        let token = hs256Token(claims(exp: testEpoch + 60))
        #expect(try await verify(verifier, token).subject == "alice")
        clock.advance(by: 64)
        #expect(try await verify(verifier, token).subject == "alice")  // within leeway
        clock.advance(by: 1)
        #expect(await authError { try await verify(verifier, token) }?.code == .expired)
    }

    @Test func entriesAreRecheckedAfterTheCacheLifetime() async throws {
        var configuration = hmacConfiguration()
        configuration.cacheLifetime = .seconds(10)
        let verifier = try await TokenVerifier.make(configuration, http: nil, clock: clock.authClock)
        let token = hs256Token(claims(exp: nil))
        _ = try await verify(verifier, token)
        clock.advance(by: 11)
        _ = try await verify(verifier, token)  // verified again, then cached again
        #expect(verifier.cachedTokenCount == 1)
    }

    @Test func refusedTokensAreNotCached() async throws {
        let verifier = try await TokenVerifier.make(hmacConfiguration(), http: nil, clock: clock.authClock)
        _ = await authError { try await verify(verifier, hs256Token(claims(exp: testEpoch - 100))) }
        _ = await authError { try await verify(verifier, hs256Token(claims(sub: nil))) }
        #expect(verifier.cachedTokenCount == 0)
    }

    @Test func cacheStaysWithinItsCapacity() async throws {
        var configuration = hmacConfiguration()
        configuration.cacheCapacity = 20
        let verifier = try await TokenVerifier.make(configuration, http: nil, clock: clock.authClock)
        for index in 0..<50 {
            _ = try await verify(verifier, hs256Token(claims(sub: "user-\(index)")))
            #expect(verifier.cachedTokenCount <= 20)
        }
        // Still correct for tokens evicted or not.
        #expect(try await verify(verifier, hs256Token(claims(sub: "user-0"))).subject == "user-0")
    }

    @Test func evictionDropsExpiredEntriesFirst() {
        let cache = VerifiedTokenCache(capacity: 3)
        let principal = Principal(subject: "p", isAdmin: false, expiresAt: nil)
        cache.insert(VerifiedTokenCache.key("a"), principal, validUntil: 10, now: 0)
        cache.insert(VerifiedTokenCache.key("b"), principal, validUntil: 100, now: 0)
        cache.insert(VerifiedTokenCache.key("c"), principal, validUntil: 100, now: 0)
        cache.insert(VerifiedTokenCache.key("d"), principal, validUntil: 100, now: 20)
        #expect(cache.count == 3)
        #expect(cache.lookup(VerifiedTokenCache.key("b"), now: 20) == principal)
        #expect(cache.lookup(VerifiedTokenCache.key("d"), now: 20) == principal)
        #expect(cache.lookup(VerifiedTokenCache.key("a"), now: 5) == nil)
    }

    @Test func zeroCapacityTurnsTheCacheOff() async throws {
        var configuration = hmacConfiguration()
        configuration.cacheCapacity = 0
        let verifier = try await TokenVerifier.make(configuration, http: nil, clock: clock.authClock)
        _ = try await verify(verifier, hs256Token(claims()))
        #expect(verifier.cachedTokenCount == 0)
    }
}
