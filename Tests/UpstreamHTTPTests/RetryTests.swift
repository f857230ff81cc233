import EventLoop
import Testing
import TestSupport
@testable import UpstreamHTTP

extension UpstreamSocketTests {
    @Suite struct Retries {
        static let configuration = UpstreamHTTPConfiguration(retryPolicy: quickRetries())

        @Test(arguments: [503, 500, 502, 504, 429])
        func getIsRetriedOnRetryableStatus(code: Int) async throws {
            try await withPeer(configuration: Self.configuration) { peer in
                let response = try await peer.client.execute(UpstreamRequest(url: peer.url("/status?key=g&times=1&code=\(code)")))
                #expect(response.status == 200)
                #expect(response.attempts == 2)
                #expect(String(decoding: response.body, as: UTF8.self) == "ok after 2")
                #expect(peer.responder.hitCount("g") == 2)
            }
        }

        @Test func postWithoutIdempotencyKeyIsNeverRepeated() async throws {
            try await withPeer(configuration: Self.configuration) { peer in
                let response = try await peer.client.execute(
                    UpstreamRequest(method: .post, url: peer.url("/status?key=p&times=1"), body: Array("{}".utf8)))
                #expect(response.status == 503)
                #expect(response.attempts == 1)
                try await Task.sleep(for: .milliseconds(100))
                #expect(peer.responder.hitCount("p") == 1)
            }
        }

        @Test func postWithIdempotencyKeyIsRetried() async throws {
            try await withPeer(configuration: Self.configuration) { peer in
                let response = try await peer.client.execute(UpstreamRequest(
                    method: .post, url: peer.url("/echo-status"), body: Array("{}".utf8), idempotencyKey: "idem-1"))
                #expect(response.status == 404)  // not retryable: sent once
                #expect(response.attempts == 1)
                let retried = try await peer.client.execute(UpstreamRequest(
                    method: .post, url: peer.url("/status?key=k&times=1"), body: Array("{}".utf8), idempotencyKey: "idem-2"))
                #expect(retried.status == 200)
                #expect(retried.attempts == 2)
                #expect(peer.responder.hitCount("k") == 2)
            }
        }

        @Test func deleteIsRetried() async throws {
            try await withPeer(configuration: Self.configuration) { peer in
                let response = try await peer.client.execute(
                    UpstreamRequest(method: .delete, url: peer.url("/status?key=d&times=2")))
                #expect(response.status == 200)
                #expect(response.attempts == 3)
            }
        }

        @Test func attemptsAreBounded() async throws {
            let log = LockedValue([UpstreamAttemptRecord]())
            let configuration = UpstreamHTTPConfiguration(
                retryPolicy: quickRetries(attempts: 3), attemptLog: { record in log.withLock { $0.append(record) } })
            try await withPeer(configuration: configuration) { peer in
                let response = try await peer.client.execute(UpstreamRequest(url: peer.url("/status?key=b&times=10")))
                #expect(response.status == 503)
                #expect(response.attempts == 3)
                #expect(String(decoding: response.body, as: UTF8.self) == "failure 3")
                #expect(peer.responder.hitCount("b") == 3)
                let records = log.withLock { $0 }
                #expect(records.map(\.attempt) == [1, 2, 3])
                #expect(records.map(\.status) == [503, 503, 503])
                // No jitter (random 0 → full delay): 20 ms, then 40 ms.
                #expect(records.map(\.decision) == [
                    .retry(after: .milliseconds(20)), .retry(after: .milliseconds(40)), .stop(.attemptsExhausted),
                ])
            }
        }

        @Test func retryAfterSecondsIsHonoured() async throws {
            try await withPeer(configuration: Self.configuration) { peer in
                let start = EventLoop.monotonicNanoseconds
                let response = try await peer.client.execute(
                    UpstreamRequest(url: peer.url("/status?key=ra&times=1&code=429&retry-after=1")))
                let elapsed = millisSince(start)
                #expect(response.status == 200)
                #expect(response.attempts == 2)
                #expect(elapsed >= 1000 && elapsed < 5_000, "took \(elapsed) ms")
            }
        }

        @Test func retryAfterMillisecondsWinsOverSeconds() async throws {
            try await withPeer(configuration: Self.configuration) { peer in
                let start = EventLoop.monotonicNanoseconds
                let response = try await peer.client.execute(
                    UpstreamRequest(url: peer.url("/status?key=rams&times=1&code=429&retry-after=5&retry-after-ms=300")))
                let elapsed = millisSince(start)
                #expect(response.status == 200)
                #expect(response.attempts == 2)
                #expect(elapsed >= 300 && elapsed < 4_000, "took \(elapsed) ms")
            }
        }

        @Test func retryAfterBeyondTheLimitReturnsTheResponse() async throws {
            var policy = quickRetries()
            policy.maxRetryAfter = .seconds(2)
            try await withPeer(configuration: UpstreamHTTPConfiguration(retryPolicy: policy)) { peer in
                let start = EventLoop.monotonicNanoseconds
                let response = try await peer.client.execute(
                    UpstreamRequest(url: peer.url("/status?key=long&times=1&code=429&retry-after=30")))
                #expect(response.status == 429)
                #expect(response.attempts == 1)
                #expect(response.retryAfter == .seconds(30))
                #expect(millisSince(start) < 10_000, "the 30 s pause was waited for")
            }
        }

        @Test func totalRetryTimeIsBounded() async throws {
            // The first attempt may take up to 750 ms (a loaded machine) and still be retried.
            let policy = RetryPolicy(maxAttempts: 10, baseDelay: .milliseconds(500), maxElapsed: .milliseconds(1_250), random: { 0 })
            try await withPeer(configuration: UpstreamHTTPConfiguration(retryPolicy: policy)) { peer in
                let start = EventLoop.monotonicNanoseconds
                let response = try await peer.client.execute(UpstreamRequest(url: peer.url("/status?key=t&times=10")))
                #expect(response.status == 503)
                // 500 ms, then 1 s would end after 1.25 s: two attempts.
                #expect(response.attempts == 2)
                #expect(millisSince(start) < 5_000)
            }
        }

        @Test func connectionRefusedIsRetriedForGetOnly() async throws {
            let log = LockedValue([UpstreamAttemptRecord]())
            let configuration = UpstreamHTTPConfiguration(
                retryPolicy: quickRetries(attempts: 3), attemptLog: { record in log.withLock { $0.append(record) } })
            try await withPeer(configuration: configuration) { peer in
                let url = "http://127.0.0.1:\(closedPort())/v1/threads"
                let get = await upstreamError { try await peer.client.execute(UpstreamRequest(url: url)) }
                #expect(get?.code == .connectFailed)
                #expect(get?.attempts == 3)
                #expect(get?.curlCode == 7)
                #expect(get?.description == "upstream connection failed (curl 7)")
                let post = await upstreamError {
                    try await peer.client.execute(UpstreamRequest(
                        method: .post, url: url, headers: ["Authorization": "Bearer sk-secret"], body: Array("{}".utf8)))
                }
                #expect(post?.code == .connectFailed)
                #expect(post?.attempts == 1)
                let text = post.map { "\($0) \(String(reflecting: $0))" } ?? ""
                #expect(!text.contains("sk-secret"))
                let records = log.withLock { $0 }
                #expect(records.map(\.error) == [.connectFailed, .connectFailed, .connectFailed, .connectFailed])
                #expect(records.last?.decision == .stop(.notIdempotent))
            }
        }
    }
}
