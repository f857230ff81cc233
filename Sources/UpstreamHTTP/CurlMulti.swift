internal import CCurl
import EventLoop

/// One libcurl multi handle driven by one event loop: the connection cache, HTTP/2 sessions
/// and every transfer in flight of one `UpstreamHTTPClient`.
///
/// libcurl tells it through `CURLMOPT_SOCKETFUNCTION` which sockets to watch (one
/// `PollWatcher` each) and through `CURLMOPT_TIMERFUNCTION` when to call back (one
/// `LoopTimer`); readiness and timer expiry go back through `curl_multi_socket_action`, and
/// finished transfers come out of `curl_multi_info_read` (see curl's `multi-uv.c` example).
final class CurlMulti: @unchecked Sendable {  // after init, touched only on `loop`'s thread
    let loop: EventLoop
    let configuration: UpstreamHTTPConfiguration
    private let multi: UnsafeMutableRawPointer
    var timer: LoopTimer?
    var watchers: [Int32: PollWatcher] = [:]
    private var active: [UnsafeMutableRawPointer: Transfer] = [:]
    private var idleHandles: [EasyHandle] = []
    private var shutdownHook: Int?
    /// Depth of calls into libcurl that may call back into us; handles are never removed then.
    private var callingCurl = 0
    private(set) var isClosed = false
    /// `isClosed` for other threads: checked before work is sent to a loop that may be gone.
    let closedFlag = LockedValue(false)

    init?(loop: EventLoop, configuration: UpstreamHTTPConfiguration) {
        guard Curl.initialized, let multi = curl_multi_init() else { return nil }
        self.loop = loop
        self.configuration = configuration
        self.multi = multi
        let me = Unmanaged.passUnretained(self).toOpaque()
        _ = ccurl_multi_setopt_socket_cb(multi, CurlMulti.socketCallback)
        _ = ccurl_multi_setopt_ptr(multi, CURLMOPT_SOCKETDATA, me)
        _ = ccurl_multi_setopt_timer_cb(multi, CurlMulti.timerCallback)
        _ = ccurl_multi_setopt_ptr(multi, CURLMOPT_TIMERDATA, me)
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_PIPELINING, ccurl_pipe_multiplex)
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, max(1, configuration.maxConnectionsPerHost))
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, max(1, configuration.maxCachedConnections))
    }

    deinit {
        // Reached without `shutdown()` only when no transfer ever started (the hook keeps us alive).
        if !isClosed { curl_multi_cleanup(multi) }
    }

    /// Transfers in flight, sockets watched and idle easy handles. Loop thread only.
    var statistics: (transfers: Int, sockets: Int, idleHandles: Int) {
        (active.count, watchers.count, idleHandles.count)
    }

    // MARK: Transfers

    /// Starts one attempt; `completion` gets its result. Loop thread only.
    func start(
        _ request: PreparedRequest, streaming: Bool, collectStatuses: Set<Int>, completion: LoopCompletion<AttemptResult>
    ) {
        loop.assertInLoop()
        guard !isClosed, !loop.isShuttingDown else {
            completion.fail(UpstreamHTTPError(.shutdown, target: request.target))
            return
        }
        attachIfNeeded()
        guard let easy = idleHandles.popLast() ?? EasyHandle() else {
            completion.fail(UpstreamHTTPError(.other, target: request.target, detail: "curl_easy_init failed"))
            return
        }
        let transfer = Transfer(
            multi: self, easy: easy, request: request, streaming: streaming, collectStatuses: collectStatuses,
            completion: completion)
        transfer.configure()
        let status = curl_multi_add_handle(multi, easy.raw)
        guard status == CURLM_OK else {
            transfer.finished(result: nil, abortedWith: UpstreamHTTPError(
                .other, target: request.target, detail: String(cString: curl_multi_strerror(status))))
            recycle(easy)
            return
        }
        active[easy.raw] = transfer
        completion.onCancel { [weak transfer] in
            transfer?.abort(UpstreamHTTPError(.cancelled, target: request.target))
        }
    }

    /// Ends `transfer` now with `error`: the easy handle leaves the multi (closing its
    /// connection if the response was incomplete) and the waiter is failed.
    func abort(_ transfer: Transfer, _ error: UpstreamHTTPError) {
        loop.assertInLoop()
        guard callingCurl == 0 else {
            // Inside a libcurl callback removing the handle is not allowed: do it right after.
            let transfer = UnsafeTransfer(transfer)  // handed to this loop's own queue
            loop.execute { [self] in abort(transfer.value, error) }
            return
        }
        guard active.removeValue(forKey: transfer.easy.raw) != nil else { return }
        callingCurl += 1
        curl_multi_remove_handle(multi, transfer.easy.raw)
        callingCurl -= 1
        transfer.finished(result: nil, abortedWith: error)
        recycle(transfer.easy)
    }

    /// Resumes a transfer its consumer had paused.
    func unpause(_ transfer: Transfer) {
        guard callingCurl == 0 else {
            let transfer = UnsafeTransfer(transfer)  // handed to this loop's own queue
            loop.execute { [self] in unpause(transfer.value) }
            return
        }
        guard active[transfer.easy.raw] != nil else { return }
        callingCurl += 1
        _ = curl_easy_pause(transfer.easy.raw, ccurl_pause_cont)
        callingCurl -= 1
        // Let libcurl pick the transfer up now: watch its socket again and read what waits there.
        socketAction(ccurl_socket_timeout, 0)
    }

    /// Hands `easy` back to the free list (or frees it when the list is full).
    private func recycle(_ easy: EasyHandle) {
        easy.reset()
        if idleHandles.count < configuration.maxIdleHandles, !isClosed {
            idleHandles.append(easy)
        } else {
            easy.stallTimer?.close()
        }
    }

    // MARK: Driving libcurl

    /// Lets libcurl act on `socket` (or on its timeouts), then collects finished transfers.
    func socketAction(_ socket: curl_socket_t, _ events: Int32) {
        guard !isClosed else { return }
        var running: Int32 = 0
        callingCurl += 1
        curl_multi_socket_action(multi, socket, events, &running)
        callingCurl -= 1
        readFinishedTransfers()
    }

    /// Reads each finished transfer's message (its fields before the handle leaves the multi:
    /// the message is invalid afterwards), removes the handle and completes the transfer.
    private func readFinishedTransfers() {
        var left: Int32 = 0
        while let message = curl_multi_info_read(multi, &left) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            let result = ccurl_msg_result(message)
            guard let transfer = active.removeValue(forKey: easy) else {
                curl_multi_remove_handle(multi, easy)
                continue
            }
            callingCurl += 1
            curl_multi_remove_handle(multi, easy)
            callingCurl -= 1
            transfer.finished(result: result)
            recycle(transfer.easy)
        }
    }

    // MARK: Life cycle

    /// Registers the loop shutdown hook the first time a transfer starts.
    private func attachIfNeeded() {
        guard shutdownHook == nil else { return }
        shutdownHook = loop.addShutdownHook { [self] in
            shutdownHook = nil
            shutdown()
        }
    }

    /// Aborts every transfer, closes connections and handles, and frees the multi. Loop thread only.
    func shutdown() {
        loop.assertInLoop()
        guard !isClosed else { return }
        if let hook = shutdownHook {
            loop.removeShutdownHook(hook)
            shutdownHook = nil
        }
        for transfer in Array(active.values) {
            abort(transfer, UpstreamHTTPError(.shutdown, target: transfer.request.target))
        }
        isClosed = true
        closedFlag.withLock { $0 = true }
        // Closing the cached connections may call the socket callback (REMOVE) once more.
        callingCurl += 1
        curl_multi_cleanup(multi)
        callingCurl -= 1
        for watcher in watchers.values { watcher.close() }
        watchers = [:]
        timer?.close()
        timer = nil
        for easy in idleHandles { easy.stallTimer?.close() }
        idleHandles = []
    }
}
