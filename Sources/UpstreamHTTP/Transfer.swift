internal import CCurl
import EventLoop

/// What one attempt produced once its head (streams) or everything (`execute`) arrived.
enum AttemptResult: Sendable {
    /// The whole response, body included.
    case complete(UpstreamResponseHead, [UInt8])
    /// The head; the body follows through the channel.
    case streaming(UpstreamResponseHead, BodyChannel)
}

/// One attempt in flight on a `CurlMulti`: receives libcurl's header and body callbacks and
/// completes the waiting task. Lives in its multi's `active` table until it ends.
final class Transfer {  // confined to its multi's loop thread
    enum Sink {
        /// Keep the body in `collected` and complete when it is all there.
        case collect
        /// Hand the body to a channel chunk by chunk once the head arrived.
        case stream(BodyChannel)
    }

    unowned let multi: CurlMulti
    let easy: EasyHandle
    let request: PreparedRequest
    /// The request's header lines for libcurl, freed when the transfer ends.
    var headerList: UnsafeMutablePointer<curl_slist>?
    private var head = ResponseHeadParser()
    private var sink: Sink = .collect
    private var collected: [UInt8] = []
    /// Stream the body (true) or collect it (false) once the head arrived.
    let streaming: Bool
    /// Statuses whose body is collected even when streaming: the ones a retry may follow.
    private let collectStatuses: Set<Int>
    /// The task waiting for the head (streams) or the whole response; nil once completed.
    private var completion: LoopCompletion<AttemptResult>?
    /// Why the module ended the transfer itself (body too large, stalled, cancelled).
    private var failure: UpstreamHTTPError?
    private var isPaused = false
    private var lastActivity: UInt64 = 0
    private var maxResponseBytes: Int { multi.configuration.maxResponseBytes }

    init(
        multi: CurlMulti, easy: EasyHandle, request: PreparedRequest, streaming: Bool, collectStatuses: Set<Int>,
        completion: LoopCompletion<AttemptResult>
    ) {
        self.multi = multi
        self.easy = easy
        self.request = request
        self.streaming = streaming
        self.collectStatuses = collectStatuses
        self.completion = completion
    }

    // MARK: libcurl callbacks

    static let headerCallback: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
        data, size, count, user in
        let transfer = Unmanaged<Transfer>.fromOpaque(user!).takeUnretainedValue()
        let length = size * count
        transfer.headerLine(UnsafeRawBufferPointer(start: data, count: length))
        return length
    }

    static let writeCallback: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
        data, size, count, user in
        let transfer = Unmanaged<Transfer>.fromOpaque(user!).takeUnretainedValue()
        return transfer.bodyBytes(UnsafeRawBufferPointer(start: data, count: size * count))
    }

    private func headerLine(_ line: UnsafeRawBufferPointer) {
        guard head.line(line) else { return }
        // The final head is complete: switch to the body.
        let head = self.head.head
        if streaming, !collectStatuses.contains(head.status), let completion {
            let channel = BodyChannel(multi: multi, highWater: multi.configuration.streamBufferBytes)
            channel.transfer = self
            sink = .stream(channel)
            self.completion = nil
            completion.succeed(.streaming(head, channel))
        } else {
            let expected = Int(easy.info(offset: CURLINFO_CONTENT_LENGTH_DOWNLOAD_T))
            if expected > 0, expected <= maxResponseBytes { collected.reserveCapacity(expected) }
        }
        startStallTimer()
    }

    private func bodyBytes(_ bytes: UnsafeRawBufferPointer) -> Int {
        if request.timeouts.stalled != nil { lastActivity = multi.loop.now }
        switch sink {
        case .collect:
            guard collected.count + bytes.count <= maxResponseBytes else {
                failure = UpstreamHTTPError(
                    .responseTooLarge, target: request.target, detail: "more than \(maxResponseBytes) bytes")
                return 0  // libcurl ends the transfer with CURLE_WRITE_ERROR
            }
            collected.append(contentsOf: bytes)
            return bytes.count
        case .stream(let channel):
            if channel.receive(bytes) { return bytes.count }
            isPaused = true
            return ccurl_writefunc_pause
        }
    }

    // MARK: Stalled body

    private func startStallTimer() {
        guard let limit = request.timeouts.stalled else { return }
        lastActivity = multi.loop.now
        let timer = easy.stallTimer ?? LoopTimer(loop: multi.loop)
        easy.stallTimer = timer
        timer.start(after: limit) { [unowned self] in checkStall(limit) }
    }

    private func checkStall(_ limit: Duration) {
        let limitMillis = UInt64(limit.curlMilliseconds)
        let now = multi.loop.now
        if isPaused {
            // The consumer is behind, not the upstream: that time does not count.
            lastActivity = now
        }
        let idle = now &- lastActivity
        if idle >= limitMillis {
            abort(UpstreamHTTPError(.stalled, target: request.target, detail: "no body bytes for \(idle) ms"))
        } else {
            easy.stallTimer?.start(after: .milliseconds(Int64(limitMillis - idle))) { [unowned self] in
                checkStall(limit)
            }
        }
    }

    // MARK: Control

    /// Continues a transfer paused because its consumer was behind.
    func resume() {
        guard isPaused else { return }
        isPaused = false
        lastActivity = multi.loop.now
        multi.unpause(self)
    }

    /// Ends the transfer now with `error`.
    func abort(_ error: UpstreamHTTPError) {
        multi.abort(self, error)
    }

    /// Called once the easy handle left the multi: completes whoever waits. `result` is
    /// libcurl's code, or nil when the module aborted the transfer with `error`.
    func finished(result: CURLcode?, abortedWith error: UpstreamHTTPError? = nil) {
        easy.stallTimer?.stop()
        curl_slist_free_all(headerList)
        headerList = nil
        let outcome = error ?? failure ?? result.flatMap(curlError)
        switch sink {
        case .stream(let channel):
            channel.transferEnded(outcome)
        case .collect:
            guard let completion else { return }
            self.completion = nil
            if let outcome {
                completion.fail(outcome)
            } else if head.isComplete {
                completion.succeed(.complete(head.head, collected))
            } else {
                completion.fail(UpstreamHTTPError(.protocolError, target: request.target, detail: "no response head"))
            }
        }
    }

    /// The error for a non-OK result, with libcurl's message.
    private func curlError(_ result: CURLcode) -> UpstreamHTTPError? {
        guard result != CURLE_OK else { return nil }
        let connected = head.status != 0 || easy.info(offset: CURLINFO_PRETRANSFER_TIME_T) > 0
            || easy.info(offset: CURLINFO_CONNECT_TIME_T) > 0 && !request.isHTTPS
            || easy.info(offset: CURLINFO_APPCONNECT_TIME_T) > 0
        let message = easy.errorMessage
        // A proxy that refused the CONNECT tunnel: the upstream was never reached.
        let tunnelRefused = easy.info(CURLINFO_HTTP_CONNECTCODE) >= 300
        return UpstreamHTTPError(
            tunnelRefused ? .connectFailed : .forCurl(result, connected: connected), curlCode: result.number,
            target: request.target, detail: message.isEmpty ? result.text : message)
    }
}
