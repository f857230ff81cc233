import EventLoop
import Testing
import TestSupport
@testable import UpstreamHTTP

extension UpstreamSocketTests {
    @Suite struct Streaming {
        @Test func chunksArriveBeforeTheLastIsSent() async throws {
            try await withPeer { peer in
                // Gaps of 500 ms: the first chunk must be read well before the last is written,
                // with room for a loaded machine's delay in delivering it.
                let response = try await peer.client.stream(UpstreamRequest(url: peer.url("/stream?n=4&delay=500")))
                #expect(response.status == 200)
                #expect(response.headers["content-type"] == "text/event-stream")
                var text = ""
                var firstChunkAt: UInt64 = 0
                for try await chunk in response.body {
                    if firstChunkAt == 0 { firstChunkAt = EventLoop.monotonicNanoseconds }
                    text += String(decoding: chunk, as: UTF8.self)
                }
                #expect(text == "chunk-0\nchunk-1\nchunk-2\nchunk-3\n")
                let lastWritten = peer.responder.lastChunkWrittenAt.withLock { $0 }
                #expect(firstChunkAt > 0 && firstChunkAt < lastWritten)
                let ahead = Double(lastWritten &- firstChunkAt) / 1e6
                #expect(ahead >= 1_000, "the first chunk was read only \(ahead) ms before the last was written")
            }
        }

        @Test func slowConsumerPausesTheTransferAndBoundsTheBuffer() async throws {
            let total = 3 * 1024 * 1024
            let configuration = UpstreamHTTPConfiguration(streamBufferBytes: 64 * 1024)
            try await withPeer(configuration: configuration) { peer in
                let response = try await peer.client.stream(UpstreamRequest(url: peer.url("/big?bytes=\(total)")))
                var received = 0
                var intact = true
                var reads = 0
                let channel = response.body.channel
                for try await chunk in response.body {
                    if PatternBody.firstMismatch(in: chunk, at: received) != nil { intact = false }
                    received += chunk.count
                    reads += 1
                    // Lag behind after the first read until the 64 KB buffer has filled and the
                    // transfer paused (fixed pauses were not always long enough under load).
                    if reads == 1 {
                        let filled = await eventually(timeout: .seconds(10), pollInterval: .milliseconds(5)) {
                            ((try? await peer.clientLoop.submit { channel.peakBufferedBytes }) ?? 0) >= 64 * 1024
                        }
                        #expect(filled, "the buffer never filled while the consumer waited")
                    }
                }
                #expect(received == total)
                #expect(intact)
                let peak = try await peer.clientLoop.submit { channel.peakBufferedBytes }
                #expect(peak >= 64 * 1024, "the buffer never filled: \(peak)")
                #expect(peak <= 64 * 1024 + 16 * 1024, "buffered \(peak) bytes")
            }
        }

        @Test func retryableStatusIsRetriedBeforeStreaming() async throws {
            let configuration = UpstreamHTTPConfiguration(retryPolicy: quickRetries())
            try await withPeer(configuration: configuration) { peer in
                let response = try await peer.client.stream(UpstreamRequest(url: peer.url("/status?key=s1&times=1")))
                #expect(response.status == 200)
                #expect(response.attempts == 2)
                let body = try await response.body.collect(upTo: 1000)
                #expect(String(decoding: body, as: UTF8.self) == "ok after 2")
            }
        }

        @Test func finalFailureStatusIsStreamedToo() async throws {
            let configuration = UpstreamHTTPConfiguration(retryPolicy: quickRetries(attempts: 2))
            try await withPeer(configuration: configuration) { peer in
                let response = try await peer.client.stream(UpstreamRequest(url: peer.url("/status?key=s2&times=5&code=502")))
                #expect(response.status == 502)
                #expect(response.attempts == 2)
                let body = try await response.body.collect(upTo: 1000)
                #expect(String(decoding: body, as: UTF8.self) == "failure 2")
            }
        }

        @Test func droppingTheBodyAbortsTheTransfer() async throws {
            try await withPeer { peer in
                var response: UpstreamStreamingResponse? = try await peer.client.stream(UpstreamRequest(url: peer.url("/stall")))
                var iterator = response!.body.makeAsyncIterator()
                let first = try await iterator.next()
                #expect(first == Array("first;".utf8))
                _ = consume iterator
                response = nil
                let aborted = await eventually(pollInterval: .milliseconds(5)) { await peer.client.statistics().transfers == 0 }
                #expect(aborted)
                let noticed = await eventually(pollInterval: .milliseconds(5)) { peer.responder.recorded.contains("stall:cancelled") }
                #expect(noticed)
            }
        }

        @Test func cancellingTheConsumerAbortsPromptly() async throws {
            try await withPeer { peer in
                let response = try await peer.client.stream(UpstreamRequest(url: peer.url("/stall")))
                let body = response.body
                let (firstChunk, firstChunkSeen) = AsyncStream<Void>.makeStream()
                let consumer = Task { () -> (UpstreamHTTPError?, Int) in
                    var chunks = 0
                    do {
                        for try await _ in body {
                            chunks += 1
                            firstChunkSeen.yield()
                        }
                        return (nil, chunks)
                    } catch {
                        return (error as? UpstreamHTTPError, chunks)
                    }
                }
                // Cancel once the first chunk is in and the stall has begun (a fixed pause alone
                // was not always long enough for the first chunk under ThreadSanitizer).
                for await _ in firstChunk { break }
                try await Task.sleep(for: .milliseconds(50))
                let cancelledAt = EventLoop.monotonicNanoseconds
                consumer.cancel()
                let (error, chunks) = await consumer.value
                #expect(millisSince(cancelledAt) < 2_000, "the stalled stream was not aborted")
                #expect(chunks == 1)
                #expect(error?.code == .cancelled)
                // The loop removes the aborted transfer right after the consumer hears of it.
                let removed = await eventually(pollInterval: .milliseconds(5)) { await peer.client.statistics().transfers == 0 }
                #expect(removed)
            }
        }

        /// A task cancelled between two reads never registers a cancel action on the loop.
        @Test func aReadStartedInACancelledTaskAbortsTheTransfer() async throws {
            try await withPeer { peer in
                let response = try await peer.client.stream(UpstreamRequest(url: peer.url("/stall")))
                let body = response.body
                let consumer = Task { () -> UpstreamHTTPError? in
                    withUnsafeCurrentTask { $0?.cancel() }
                    do {
                        for try await _ in body {}
                        return nil
                    } catch {
                        return error as? UpstreamHTTPError
                    }
                }
                #expect(await consumer.value?.code == .cancelled)
                let removed = await eventually(pollInterval: .milliseconds(5)) { await peer.client.statistics().transfers == 0 }
                #expect(removed, "the transfer outlived its cancelled consumer")
                let noticed = await eventually(pollInterval: .milliseconds(5)) { peer.responder.recorded.contains("stall:cancelled") }
                #expect(noticed)
            }
        }
    }
}
