import AssistantsV2
import JSON
import Testing
import TestSupport
import UpstreamHTTP

/// Retries through the simulator's `X-Simulator-Fault` header; the simulator's fault counters
/// count the requests that really reached it.
extension AssistantsSocketTests {
    @Suite struct Retries {
        static func fault(_ plan: String, key: String? = nil, policy: RetryPolicy? = nil) -> AssistantsRequestOptions {
            AssistantsRequestOptions(idempotencyKey: key, retryPolicy: policy, headers: ["X-Simulator-Fault": plan])
        }

        @Test func getIsRetriedOn503() async throws {
            try await withAssistants { h async throws in
                let error = await assistantsError { () async throws(AssistantsError) in
                    try await h.client.retrieveAssistant(id: "asst_default", options: Self.fault("status=503"))
                }
                #expect(error?.status == 503)
                #expect(error?.type == "server_error")
                #expect(error?.message == "The engine is currently overloaded, please try again later.")
                #expect(error?.attempts == 3)
                #expect(try await h.faults("status_503") == 3)
                // DELETE is idempotent too.
                let deletion = await assistantsError { () async throws(AssistantsError) in
                    try await h.client.deleteThread(id: "thread_x", options: Self.fault("502"))
                }
                #expect(deletion?.status == 502 && deletion?.attempts == 3)
            }
        }

        @Test func postWithoutIdempotencyKeyIsNotRetried() async throws {
            try await withAssistants { h async throws in
                let error = await assistantsError { () async throws(AssistantsError) in
                    try await h.client.createThread(CreateThreadRequest(metadata: ["try": "1"]), options: Self.fault("status=503"))
                }
                #expect(error?.status == 503)
                #expect(error?.attempts == 1)
                try await Task.sleep(for: .milliseconds(100))
                #expect(try await h.faults("status_503") == 1)
                let runs = await assistantsError { () async throws(AssistantsError) in
                    try await h.client.createThreadAndRun(CreateThreadAndRunRequest(assistantID: "asst_default"), options: Self.fault("500"))
                }
                #expect(runs?.attempts == 1)
                #expect(try await h.faults("status_500") == 1)
            }
        }

        @Test func postWithIdempotencyKeyIsRetried() async throws {
            try await withAssistants { h async throws in
                let error = await assistantsError { () async throws(AssistantsError) in
                    try await h.client.createThread(options: Self.fault("status=503", key: "idem-1"))
                }
                #expect(error?.attempts == 3)
                #expect(try await h.faults("status_503") == 3)
                // A successful POST with a key is sent once.
                let thread = try await h.client.createThread(options: AssistantsRequestOptions(idempotencyKey: "idem-2"))
                #expect(thread.attempts == 1)
            }
        }

        @Test func rateLimitHonoursRetryAfter() async throws {
            try await withAssistants { h async throws in
                // retry-after=0: retried at once, three times.
                let quick = await assistantsError { () async throws(AssistantsError) in
                    try await h.client.listAssistants(options: Self.fault("429,retry-after=0"))
                }
                #expect(quick?.isRateLimited == true)
                #expect(quick?.code == "rate_limit_exceeded" && quick?.type == "requests")
                #expect(quick?.attempts == 3)
                #expect(quick?.retryAfter == .zero)
                // A pause longer than the policy allows: no retry, the caller sees the 429 and the pause.
                let started = monotonicMillis()
                var policy = RetryPolicy(maxAttempts: 3, maxRetryAfter: .seconds(1))
                policy.jitter = 0
                let slow = await assistantsError { () async throws(AssistantsError) in
                    try await h.client.listAssistants(options: Self.fault("429,retry-after=5", policy: policy))
                }
                #expect(slow?.attempts == 1)
                #expect(slow?.retryAfter == .seconds(5))
                #expect(monotonicMillis() - started < 4_000, "the 5 s pause was waited for")
            }
        }

        @Test func droppedConnectionsAreRetriedForGets() async throws {
            try await withAssistants { h async throws in
                let error = await assistantsError { () async throws(AssistantsError) in
                    try await h.client.retrieveAssistant(id: "asst_default", options: Self.fault("drop"))
                }
                #expect(error?.kind == .transport)
                #expect(error?.transport?.code == .connectionLost)
                #expect(error?.attempts == 3)
                #expect(try await h.faults("drop") == 3)
                // Latency alone is no failure.
                let slow = try await h.client.retrieveAssistant(id: "asst_default", options: Self.fault("latency=50"))
                #expect(slow.attempts == 1 && slow.value.id == "asst_default")
            }
        }
    }
}
