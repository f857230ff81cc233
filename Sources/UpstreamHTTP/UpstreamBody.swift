import EventLoop

/// The body of an `UpstreamStreamingResponse`: chunks of bytes as they arrive.
///
/// Iterate it from any task (one consumer at a time). While the consumer lags, at most the
/// client's `streamBufferBytes` wait in memory and the transfer is paused. Cancelling the
/// consuming task, calling `cancel()` or dropping the body aborts the transfer.
///
/// ```swift
/// let response = try await client.stream(request)
/// for try await chunk in response.body { parser.feed(chunk) }
/// ```
public final class UpstreamBody: AsyncSequence, Sendable {
    public typealias Element = [UInt8]
    public typealias Failure = UpstreamHTTPError

    let channel: BodyChannel

    init(channel: BodyChannel) { self.channel = channel }

    deinit { channel.abandon() }

    public struct Iterator: AsyncIteratorProtocol {
        // Holds the body (not just its channel) so the transfer lives while it is iterated.
        let body: UpstreamBody

        public mutating func next() async throws(UpstreamHTTPError) -> [UInt8]? {
            try await body.channel.next()
        }
    }

    public func makeAsyncIterator() -> Iterator { Iterator(body: self) }

    /// Reads the rest of the body into one array; throws `responseTooLarge` past `maxBytes`.
    public func collect(upTo maxBytes: Int) async throws(UpstreamHTTPError) -> [UInt8] {
        var result: [UInt8] = []
        while let chunk = try await channel.next() {
            guard result.count + chunk.count <= maxBytes else {
                channel.abandon()
                throw UpstreamHTTPError(.responseTooLarge, detail: "more than \(maxBytes) bytes")
            }
            result += chunk
        }
        return result
    }

    /// Stops the transfer; later reads end the body. Safe from any thread.
    public func cancel() { channel.abandon() }
}

/// The loop-side half of an `UpstreamBody`: executes `BodyBuffer`'s actions.
final class BodyChannel: @unchecked Sendable {  // state confined to `loop`'s thread
    let loop: EventLoop
    /// Set once the client shut down: its loop may be gone, so nothing may be sent there.
    private let clientClosed: LockedValue<Bool>
    private var buffer: BodyBuffer
    private var waiter: LoopCompletion<[UInt8]?>?
    /// The running transfer; nil once it ended.
    weak var transfer: Transfer?

    init(multi: CurlMulti, highWater: Int) {
        loop = multi.loop
        clientClosed = multi.closedFlag
        buffer = BodyBuffer(highWater: highWater)
    }

    /// A channel over a body that is already complete.
    init(multi: CurlMulti, complete body: [UInt8]) {
        loop = multi.loop
        clientClosed = multi.closedFlag
        buffer = BodyBuffer(complete: body)
    }

    /// The most bytes buffered at once so far. Loop thread only.
    var peakBufferedBytes: Int { buffer.peakBufferedBytes }

    // MARK: Transfer side (loop thread, inside libcurl callbacks)

    /// Offers a chunk; false means "pause the transfer, deliver it again later".
    func receive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        switch buffer.received(count: bytes.count, { Array(bytes) }) {
        case .deliver(let chunk):
            let waiter = self.waiter
            self.waiter = nil
            waiter?.succeed(chunk)
            return true
        case .buffered, .discard:
            return true
        case .pause:
            return false
        }
    }

    func transferEnded(_ error: UpstreamHTTPError?) {
        transfer = nil
        switch buffer.transferEnded(error) {
        case .finishConsumer(let error):
            let waiter = self.waiter
            self.waiter = nil
            if let error { waiter?.fail(error) } else { waiter?.succeed(nil) }
        case .none:
            break
        }
    }

    // MARK: Consumer side (any thread)

    func next() async throws(UpstreamHTTPError) -> [UInt8]? {
        if clientClosed.withLock({ $0 }) { throw UpstreamHTTPError(.shutdown, detail: "body read after shutdown") }
        do {
            return try await withLoopCallback(on: loop) { (completion: LoopCompletion<[UInt8]?>) in
                self.read(completion)
            }
        } catch let error as UpstreamHTTPError {
            throw error
        } catch {
            // A read cancelled before it reached the loop registered no cancel action.
            abandon()
            throw UpstreamHTTPError(.cancelled, detail: "body read cancelled")
        }
    }

    private func read(_ completion: LoopCompletion<[UInt8]?>) {
        switch buffer.read() {
        case .deliver(let bytes, let resumeTransfer):
            completion.succeed(bytes)
            if resumeTransfer { transfer?.resume() }
        case .wait:
            waiter = completion
            completion.onCancel { [self] in
                waiter = nil
                abandonOnLoop()
            }
        case .end:
            completion.succeed(nil)
        case .fail(let error):
            completion.fail(error)
        }
    }

    /// The consumer is gone: abort the transfer if it still runs. Any thread.
    func abandon() {
        guard !clientClosed.withLock({ $0 }) else { return }  // every transfer has ended already
        loop.executeSoonOrNow { [self] in abandonOnLoop() }
    }

    private func abandonOnLoop() {
        switch buffer.abandoned() {
        case .abortTransfer(let failConsumer):
            let error = UpstreamHTTPError(.cancelled, detail: "body consumer went away")
            if failConsumer, let waiter {
                self.waiter = nil
                waiter.fail(error)
            }
            transfer?.abort(error)
        case .none:
            break
        }
    }
}
