import Testing
@testable import UpstreamHTTP

@Suite struct BodyBufferTests {
    private func bytes(_ count: Int, _ value: UInt8 = 1) -> [UInt8] { Array(repeating: value, count: count) }

    private func receive(_ buffer: inout BodyBuffer, _ chunk: [UInt8]) -> BodyBuffer.ReceiveAction {
        buffer.received(count: chunk.count) { chunk }
    }

    @Test func chunkGoesStraightToAWaitingConsumer() {
        var buffer = BodyBuffer(highWater: 100)
        guard case .wait = buffer.read() else { Issue.record("expected wait"); return }
        guard case .deliver(let chunk) = receive(&buffer, bytes(10)) else { Issue.record("expected deliver"); return }
        #expect(chunk == bytes(10))
        #expect(buffer.bufferedBytes == 0)
    }

    @Test func bufferedChunksAreReadTogether() {
        var buffer = BodyBuffer(highWater: 100)
        guard case .buffered = receive(&buffer, bytes(10, 1)) else { Issue.record("expected buffered"); return }
        guard case .buffered = receive(&buffer, bytes(20, 2)) else { Issue.record("expected buffered"); return }
        guard case .deliver(let chunk, let resume) = buffer.read() else { Issue.record("expected deliver"); return }
        #expect(chunk == bytes(10, 1) + bytes(20, 2))
        #expect(!resume)
    }

    @Test func fullBufferPausesAndTheNextReadResumes() {
        var buffer = BodyBuffer(highWater: 64)
        var copies = 0
        for _ in 0..<4 {
            guard case .buffered = buffer.received(count: 16, { copies += 1; return bytes(16) }) else {
                Issue.record("expected buffered")
                return
            }
        }
        // Full: the chunk is refused without being copied, and the transfer pauses.
        guard case .pause = buffer.received(count: 16, { copies += 1; return bytes(16) }) else {
            Issue.record("expected pause")
            return
        }
        #expect(copies == 4)
        #expect(buffer.isPaused)
        #expect(buffer.peakBufferedBytes == 64)
        guard case .deliver(let chunk, let resume) = buffer.read() else { Issue.record("expected deliver"); return }
        #expect(chunk.count == 64)
        #expect(resume)
        #expect(!buffer.isPaused)
    }

    @Test func endComesAfterTheBufferedBytes() {
        var buffer = BodyBuffer(highWater: 100)
        _ = receive(&buffer, bytes(5))
        guard case .none = buffer.transferEnded(nil) else { Issue.record("expected none"); return }
        guard case .deliver(let chunk, _) = buffer.read() else { Issue.record("expected deliver"); return }
        #expect(chunk.count == 5)
        guard case .end = buffer.read() else { Issue.record("expected end"); return }
        guard case .end = buffer.read() else { Issue.record("expected end again"); return }
    }

    @Test func errorReachesTheConsumerAfterTheBytes() {
        var buffer = BodyBuffer(highWater: 100)
        _ = receive(&buffer, bytes(5))
        _ = buffer.transferEnded(UpstreamHTTPError(.stalled))
        guard case .deliver = buffer.read() else { Issue.record("expected deliver"); return }
        guard case .fail(let error) = buffer.read() else { Issue.record("expected fail"); return }
        #expect(error.code == .stalled)
        guard case .end = buffer.read() else { Issue.record("expected end after the error"); return }
    }

    @Test func endWakesAWaitingConsumer() {
        var buffer = BodyBuffer(highWater: 100)
        _ = buffer.read()
        guard case .finishConsumer(let error) = buffer.transferEnded(UpstreamHTTPError(.connectionLost)) else {
            Issue.record("expected finishConsumer")
            return
        }
        #expect(error?.code == .connectionLost)
        guard case .end = buffer.read() else { Issue.record("expected end"); return }
    }

    @Test func abandoningAbortsARunningTransferOnly() {
        var running = BodyBuffer(highWater: 100)
        _ = running.read()
        guard case .abortTransfer(let failConsumer) = running.abandoned() else { Issue.record("expected abort"); return }
        #expect(failConsumer)
        guard case .discard = receive(&running, bytes(3)) else { Issue.record("expected discard"); return }
        guard case .end = running.read() else { Issue.record("expected end"); return }

        var ended = BodyBuffer(highWater: 100)
        _ = ended.transferEnded(nil)
        guard case .none = ended.abandoned() else { Issue.record("expected none"); return }
    }

    @Test func completeBodyReadsOnceThenEnds() {
        var buffer = BodyBuffer(complete: bytes(7))
        guard case .deliver(let chunk, false) = buffer.read() else { Issue.record("expected deliver"); return }
        #expect(chunk.count == 7)
        guard case .end = buffer.read() else { Issue.record("expected end"); return }
        var empty = BodyBuffer(complete: [])
        guard case .end = empty.read() else { Issue.record("expected end"); return }
    }
}
