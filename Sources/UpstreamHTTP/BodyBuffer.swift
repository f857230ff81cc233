/// The bounded queue between a streaming transfer and its consumer, as a state machine with
/// no I/O: events come from libcurl's write callback, the consumer and the transfer's end; the
/// returned actions tell the owner (`BodyChannel`) what to do.
///
/// At most `highWater` bytes (plus one libcurl chunk, ≤ 16 KB) wait here. Past that the chunk is
/// refused and the transfer pauses; the consumer's next read takes everything buffered and
/// resumes it.
struct BodyBuffer {
    enum State {
        /// The transfer runs; a consumer may be waiting.
        case open(consumerWaiting: Bool)
        /// The transfer ended (with an error still to report, if any).
        case ended(UpstreamHTTPError?)
        /// Everything was delivered, or the consumer went away.
        case closed
    }

    enum ReceiveAction {
        /// Hand the chunk to the waiting consumer.
        case deliver([UInt8])
        /// Kept for the consumer's next read.
        case buffered
        /// Refuse the chunk: the transfer pauses until `resume`.
        case pause
        /// Nobody reads any more: drop it (the transfer is being aborted).
        case discard
    }

    enum ReadAction {
        /// Return these bytes; resume the paused transfer when `resumeTransfer`.
        case deliver([UInt8], resumeTransfer: Bool)
        /// Park the consumer until data or the end arrives.
        case wait
        /// The body is complete.
        case end
        case fail(UpstreamHTTPError)
    }

    enum EndAction {
        /// Finish the waiting consumer: end of body, or the error.
        case finishConsumer(UpstreamHTTPError?)
        case none
    }

    enum AbandonAction {
        /// The transfer still runs: abort it, and fail the waiting consumer if there is one.
        case abortTransfer(failConsumer: Bool)
        case none
    }

    let highWater: Int
    private(set) var state: State = .open(consumerWaiting: false)
    private var chunks: [[UInt8]] = []
    private(set) var bufferedBytes = 0
    /// The most bytes ever buffered at once (for tests and metrics).
    private(set) var peakBufferedBytes = 0
    /// True while the transfer is paused because the buffer was full.
    private(set) var isPaused = false

    init(highWater: Int) { self.highWater = highWater }

    /// A body that is already complete (a buffered response handed out as a stream).
    init(complete body: [UInt8]) {
        highWater = body.count
        if !body.isEmpty { chunks = [body] }
        bufferedBytes = body.count
        peakBufferedBytes = body.count
        state = .ended(nil)
    }

    /// libcurl delivered a chunk of `count` bytes; `bytes()` copies it when it is kept.
    mutating func received(count: Int, _ bytes: () -> [UInt8]) -> ReceiveAction {
        switch state {
        case .open(consumerWaiting: true):
            state = .open(consumerWaiting: false)
            return .deliver(bytes())
        case .open(consumerWaiting: false):
            if bufferedBytes >= highWater {
                isPaused = true
                return .pause
            }
            chunks.append(bytes())
            bufferedBytes += count
            peakBufferedBytes = max(peakBufferedBytes, bufferedBytes)
            return .buffered
        case .closed:
            return .discard
        case .ended:
            preconditionFailure("body bytes after the transfer ended")
        }
    }

    /// The consumer asks for the next bytes.
    mutating func read() -> ReadAction {
        if !chunks.isEmpty {
            var bytes = chunks[0]
            if chunks.count > 1 {
                bytes.reserveCapacity(bufferedBytes)
                for chunk in chunks.dropFirst() { bytes.append(contentsOf: chunk) }
            }
            chunks = []
            bufferedBytes = 0
            let resume = isPaused
            isPaused = false
            return .deliver(bytes, resumeTransfer: resume)
        }
        switch state {
        case .open(consumerWaiting: false):
            state = .open(consumerWaiting: true)
            return .wait
        case .open(consumerWaiting: true):
            preconditionFailure("two concurrent reads of one upstream body")
        case .ended(nil), .closed:
            state = .closed
            return .end
        case .ended(let error?):
            state = .closed
            return .fail(error)
        }
    }

    /// The transfer finished: completely when `error` is nil.
    mutating func transferEnded(_ error: UpstreamHTTPError?) -> EndAction {
        switch state {
        case .open(consumerWaiting: true):
            state = .closed
            return .finishConsumer(error)
        case .open(consumerWaiting: false):
            state = .ended(error)
            return .none
        case .ended, .closed:
            return .none
        }
    }

    /// The consumer went away (cancelled, or dropped the body): buffered bytes are dropped.
    mutating func abandoned() -> AbandonAction {
        chunks = []
        bufferedBytes = 0
        switch state {
        case .open(let consumerWaiting):
            state = .closed
            return .abortTransfer(failConsumer: consumerWaiting)
        case .ended, .closed:
            state = .closed
            return .none
        }
    }
}
