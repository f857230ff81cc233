import Testing
@testable import UpstreamHTTP

@Suite struct RetryPolicyTests {
    let policy = RetryPolicy(
        maxAttempts: 4, baseDelay: .milliseconds(100), maxDelay: .seconds(1), jitter: 0.5,
        maxElapsed: .seconds(10), maxRetryAfter: .seconds(20), random: { 0 })

    @Test func backoffDoublesUpToTheCap() {
        #expect(policy.backoff(afterAttempt: 1) == .milliseconds(100))
        #expect(policy.backoff(afterAttempt: 2) == .milliseconds(200))
        #expect(policy.backoff(afterAttempt: 3) == .milliseconds(400))
        #expect(policy.backoff(afterAttempt: 4) == .milliseconds(800))
        #expect(policy.backoff(afterAttempt: 5) == .seconds(1))
        #expect(policy.backoff(afterAttempt: 80) == .seconds(1))
    }

    @Test func jitterTakesAwayUpToItsFraction() {
        var low = policy
        low.random = { 0.999_999 }
        let lowest = low.backoff(afterAttempt: 2)
        #expect(lowest > .milliseconds(99) && lowest <= .milliseconds(101))
        var middle = policy
        middle.random = { 0.5 }
        #expect(middle.backoff(afterAttempt: 2) == .milliseconds(150))
        // The default source stays within the band.
        var random = policy
        random.random = RetryPolicy().random
        for _ in 0..<100 {
            let delay = random.backoff(afterAttempt: 3)
            #expect(delay > .milliseconds(199) && delay <= .milliseconds(400))
        }
    }

    @Test(arguments: [429, 500, 502, 503, 504])
    func retryableStatusesAreRetriedWhenIdempotent(status: Int) {
        let outcome = AttemptOutcome.response(status: status, retryAfter: nil)
        #expect(policy.decide(after: outcome, attempt: 1, idempotent: true, elapsed: .zero) == .retry(after: .milliseconds(100)))
        #expect(policy.decide(after: outcome, attempt: 1, idempotent: false, elapsed: .zero) == .stop(.notIdempotent))
    }

    @Test(arguments: [200, 201, 204, 301, 400, 401, 404, 409, 422, 501, 505])
    func otherStatusesAreFinal(status: Int) {
        let outcome = AttemptOutcome.response(status: status, retryAfter: .seconds(1))
        #expect(policy.decide(after: outcome, attempt: 1, idempotent: true, elapsed: .zero) == .stop(.notRetryable))
    }

    @Test func connectionFailuresAreRetriedButNotLaterFailures() {
        for code in [UpstreamHTTPError.Code.connectFailed, .connectTimeout, .connectionLost] {
            #expect(policy.decide(after: .failure(code), attempt: 2, idempotent: true, elapsed: .zero) == .retry(after: .milliseconds(200)))
            #expect(policy.decide(after: .failure(code), attempt: 2, idempotent: false, elapsed: .zero) == .stop(.notIdempotent))
        }
        for code in [UpstreamHTTPError.Code.totalTimeout, .stalled, .tlsFailed, .protocolError, .cancelled, .shutdown,
                     .invalidRequest, .responseTooLarge, .other] {
            #expect(policy.decide(after: .failure(code), attempt: 1, idempotent: true, elapsed: .zero) == .stop(.notRetryable))
        }
    }

    @Test func attemptsAreBounded() {
        let outcome = AttemptOutcome.response(status: 503, retryAfter: nil)
        #expect(policy.decide(after: outcome, attempt: 3, idempotent: true, elapsed: .zero) == .retry(after: .milliseconds(400)))
        #expect(policy.decide(after: outcome, attempt: 4, idempotent: true, elapsed: .zero) == .stop(.attemptsExhausted))
        #expect(RetryPolicy.none.decide(after: outcome, attempt: 1, idempotent: true, elapsed: .zero) == .stop(.attemptsExhausted))
    }

    @Test func retryAfterReplacesTheBackoff() {
        let outcome = AttemptOutcome.response(status: 429, retryAfter: .seconds(3))
        #expect(policy.decide(after: outcome, attempt: 1, idempotent: true, elapsed: .zero) == .retry(after: .seconds(3)))
        let zero = AttemptOutcome.response(status: 503, retryAfter: .zero)
        #expect(policy.decide(after: zero, attempt: 1, idempotent: true, elapsed: .zero) == .retry(after: .zero))
        let tooLong = AttemptOutcome.response(status: 429, retryAfter: .seconds(21))
        #expect(policy.decide(after: tooLong, attempt: 1, idempotent: true, elapsed: .zero) == .stop(.retryAfterTooLong))
    }

    @Test func totalTimeIsBounded() {
        let outcome = AttemptOutcome.response(status: 503, retryAfter: nil)
        #expect(policy.decide(after: outcome, attempt: 1, idempotent: true, elapsed: .milliseconds(9_899)) == .retry(after: .milliseconds(100)))
        #expect(policy.decide(after: outcome, attempt: 1, idempotent: true, elapsed: .milliseconds(9_900)) == .stop(.timeBudgetExhausted))
        let waitLong = AttemptOutcome.response(status: 429, retryAfter: .seconds(5))
        #expect(policy.decide(after: waitLong, attempt: 1, idempotent: true, elapsed: .seconds(6)) == .stop(.timeBudgetExhausted))
    }

    @Test func retryAfterHeaders() {
        #expect(retryAfterDelay(["Retry-After": "1"]) == .seconds(1))
        #expect(retryAfterDelay(["retry-after": " 2 "]) == .seconds(2))
        #expect(retryAfterDelay(["retry-after-ms": "250"]) == .milliseconds(250))
        #expect(retryAfterDelay(["Retry-After": "5", "retry-after-ms": "1500"]) == .milliseconds(1500))
        #expect(retryAfterDelay(["retry-after-ms": "0.5"]) == .microseconds(500))
        // An HTTP-date: the time from `now` to it; one in the past is no pause.
        let october2015: Int64 = 1_445_412_480  // Wed, 21 Oct 2015 07:28:00 GMT
        #expect(retryAfterDelay(["Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"], now: { october2015 - 30 }) == .seconds(30))
        #expect(retryAfterDelay(["Retry-After": " Wed, 21 Oct 2015 07:28:00 GMT "], now: { october2015 }) == .zero)
        #expect(retryAfterDelay(["Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"], now: { october2015 + 3600 }) == .zero)
        #expect(retryAfterDelay(["Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"]) == .zero, "long past by the wall clock")
        #expect(retryAfterDelay(["Retry-After": "Wednesday, 21-Oct-15 07:28:00 GMT"], now: { october2015 - 5 }) == .seconds(5))
        #expect(retryAfterDelay(["Retry-After": "Wed Oct 21 07:28:00 2015"], now: { october2015 - 7 }) == .seconds(7))
        #expect(retryAfterDelay(["Retry-After": "Wed, 21 Oct 2015 07:28:00 PST"], now: { october2015 }) == nil)
        #expect(retryAfterDelay(["Retry-After": "-1"]) == nil)
        #expect(retryAfterDelay(["retry-after-ms": "soon", "Retry-After": "3"]) == .seconds(3))
        #expect(retryAfterDelay([:]) == nil)
    }

    @Test func aRetryAfterDateIsCappedLikeSeconds() {
        let now: Int64 = 1_445_412_480
        let far = retryAfterDelay(["Retry-After": "Wed, 21 Oct 2015 07:29:00 GMT"], now: { now })
        #expect(far == .seconds(60))
        #expect(policy.decide(after: .response(status: 503, retryAfter: far), attempt: 1, idempotent: true, elapsed: .zero) == .stop(.retryAfterTooLong))
        let near = retryAfterDelay(["Retry-After": "Wed, 21 Oct 2015 07:28:03 GMT"], now: { now })
        #expect(policy.decide(after: .response(status: 503, retryAfter: near), attempt: 1, idempotent: true, elapsed: .zero) == .retry(after: .seconds(3)))
    }

    @Test func idempotency() {
        #expect(UpstreamRequest(method: .get, url: "http://h/").isIdempotent)
        #expect(UpstreamRequest(method: .delete, url: "http://h/").isIdempotent)
        #expect(UpstreamRequest(method: .head, url: "http://h/").isIdempotent)
        #expect(UpstreamRequest(method: .put, url: "http://h/").isIdempotent)
        #expect(!UpstreamRequest(method: .post, url: "http://h/").isIdempotent)
        #expect(!UpstreamRequest(method: .patch, url: "http://h/").isIdempotent)
        #expect(!UpstreamRequest(method: .post, url: "http://h/", idempotencyKey: "").isIdempotent)
        #expect(UpstreamRequest(method: .post, url: "http://h/", idempotencyKey: "k1").isIdempotent)
        #expect(UpstreamRequest(method: .post, url: "http://h/", headers: ["idempotency-key": "k2"]).isIdempotent)
    }
}
