import EventLoop
import Testing
import TestSupport
@testable import UpstreamHTTP

extension UpstreamSocketTests {
    @Suite struct Timeouts {
        @Test func connectTimeout() async throws {
            let listener = RawListener(backlog: 0)
            listener.fillAcceptQueue(count: 4)
            defer { listener.close() }
            // Connect only once the kernel has queued a filler: before that, the client's SYN
            // could still be answered.
            let full = await eventually(timeout: .seconds(10)) { listener.acceptQueueIsFull }
            #expect(full, "the accept queue never filled")
            try await withPeer(configuration: UpstreamHTTPConfiguration(retryPolicy: .none)) { peer in
                let start = EventLoop.monotonicNanoseconds
                let error = await upstreamError {
                    try await peer.client.execute(UpstreamRequest(
                        url: "http://127.0.0.1:\(listener.port)/", timeouts: UpstreamTimeouts(connect: .milliseconds(200))))
                }
                let elapsed = millisSince(start)
                #expect(error?.code == .connectTimeout, "\(error.map { String(reflecting: $0) } ?? "no error")")
                #expect(error?.isTimeout == true)
                #expect(elapsed >= 190 && elapsed < 5_000, "took \(elapsed) ms")
            }
        }

        @Test func totalTimeout() async throws {
            try await withPeer { peer in
                let start = EventLoop.monotonicNanoseconds
                let error = await upstreamError {
                    try await peer.client.execute(UpstreamRequest(
                        url: peer.url("/slow?ms=10000"), timeouts: UpstreamTimeouts(total: .milliseconds(200))))
                }
                let elapsed = millisSince(start)
                #expect(error?.code == .totalTimeout, "\(error.map { String(reflecting: $0) } ?? "no error")")
                #expect(error?.attempts == 1)  // a timeout after sending is not retried
                #expect(elapsed >= 190 && elapsed < 5_000, "took \(elapsed) ms")
            }
        }

        @Test func stalledBodyWhenCollecting() async throws {
            try await withPeer { peer in
                let start = EventLoop.monotonicNanoseconds
                let error = await upstreamError {
                    try await peer.client.execute(UpstreamRequest(
                        url: peer.url("/stall"), timeouts: UpstreamTimeouts(stalled: .milliseconds(250))))
                }
                let elapsed = millisSince(start)
                #expect(error?.code == .stalled, "\(error.map { String(reflecting: $0) } ?? "no error")")
                #expect(elapsed >= 240 && elapsed < 5_000, "took \(elapsed) ms")
            }
        }

        @Test func stalledBodyWhenStreaming() async throws {
            try await withPeer { peer in
                let response = try await peer.client.stream(UpstreamRequest(
                    url: peer.url("/stall"), timeouts: UpstreamTimeouts(total: nil, stalled: .milliseconds(250))))
                var chunks: [String] = []
                let start = EventLoop.monotonicNanoseconds
                let error = await upstreamError {
                    for try await chunk in response.body { chunks.append(String(decoding: chunk, as: UTF8.self)) }
                }
                #expect(chunks == ["first;"])
                #expect(error?.code == .stalled)
                #expect(millisSince(start) < 5_000, "the stalled stream was waited for")
            }
        }

        @Test func slowButSteadyStreamIsNotStalled() async throws {
            try await withPeer { peer in
                // Gaps of 100 ms against a 1 s stall limit (a wide margin on a loaded machine),
                // over 1.5 s in all (longer than the limit), and a consumer that also lags.
                let response = try await peer.client.stream(UpstreamRequest(
                    url: peer.url("/stream?n=16&delay=100"), timeouts: UpstreamTimeouts(total: nil, stalled: .seconds(1))))
                var count = 0
                for try await chunk in response.body {
                    count += chunk.filter { $0 == 0x0A }.count
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(count == 16)
            }
        }
    }

    @Suite struct Cancellation {
        @Test func cancellingTheTaskAbortsTheTransferPromptly() async throws {
            try await withPeer { peer in
                let client = peer.client
                let url = peer.url("/slow?ms=5000")
                let task = Task { await upstreamError { try await client.execute(UpstreamRequest(url: url)) } }
                #expect(await eventually { await client.statistics().transfers == 1 })
                let cancelledAt = EventLoop.monotonicNanoseconds
                task.cancel()
                let error = await task.value
                #expect(millisSince(cancelledAt) < 2_000, "the 5 s response was waited for")
                #expect(error?.code == .cancelled)
                let statistics = await client.statistics()
                #expect(statistics.transfers == 0)
                // The connection was closed mid-response, so the server gave up its handler.
                let noticed = await eventually(pollInterval: .milliseconds(5)) { peer.responder.recorded.contains("slow:cancelled") }
                #expect(noticed)
                let sockets = await eventually(pollInterval: .milliseconds(5)) { await client.statistics().sockets == 0 }
                #expect(sockets)
            }
        }

        @Test func cancellingDuringRetryBackoff() async throws {
            let policy = RetryPolicy(maxAttempts: 3, baseDelay: .seconds(5), random: { 0 })
            let log = LockedValue([UpstreamAttemptRecord]())
            let configuration = UpstreamHTTPConfiguration(
                retryPolicy: policy, attemptLog: { record in log.withLock { $0.append(record) } })
            try await withPeer(configuration: configuration) { peer in
                let client = peer.client
                let url = peer.url("/status?key=c1&times=5")
                let task = Task { await upstreamError { try await client.execute(UpstreamRequest(url: url)) } }
                // Cancel once the first attempt's 503 is in and the client decided to pause.
                let decided = await eventually(timeout: .seconds(10), pollInterval: .milliseconds(5)) { log.withLock { !$0.isEmpty } }
                #expect(decided)
                let decisions = log.withLock { $0.map(\.decision) }
                #expect(decisions == [.retry(after: .seconds(5))], "\(decisions)")
                let cancelledAt = EventLoop.monotonicNanoseconds
                task.cancel()
                let error = await task.value
                #expect(millisSince(cancelledAt) < 2_000, "the 5 s backoff was waited for")
                #expect(error?.code == .cancelled)
                #expect(error?.attempts == 1)
                #expect(peer.responder.hitCount("c1") == 1)
            }
        }

        @Test func alreadyCancelledTaskSendsNothing() async throws {
            try await withPeer { peer in
                let client = peer.client
                let url = peer.url("/json")
                let task = Task {
                    withUnsafeCurrentTask { $0?.cancel() }
                    return await upstreamError { try await client.execute(UpstreamRequest(url: url)) }
                }
                let error = await task.value
                #expect(error?.code == .cancelled)
                try await Task.sleep(for: .milliseconds(50))
                #expect(peer.records.isEmpty)
            }
        }
    }
}
