internal import CCurl
import EventLoop

extension CurlMulti {
    /// `CURLMOPT_SOCKETFUNCTION`: libcurl says which events to watch on a socket, or to forget it.
    static let socketCallback: curl_socket_callback = { _, socket, what, user, _ in
        let multi = Unmanaged<CurlMulti>.fromOpaque(user!).takeUnretainedValue()
        multi.watch(socket, what)
        return 0
    }

    /// `CURLMOPT_TIMERFUNCTION`: libcurl asks to be called back after `millis` (-1: never).
    static let timerCallback: curl_multi_timer_callback = { _, millis, user in
        let multi = Unmanaged<CurlMulti>.fromOpaque(user!).takeUnretainedValue()
        multi.scheduleTimeout(millis)
        return 0
    }

    private func watch(_ socket: curl_socket_t, _ what: Int32) {
        if what == ccurl_poll_remove {
            watchers.removeValue(forKey: socket)?.close()
            return
        }
        guard !isClosed else { return }
        var events: PollEvents = []
        if what & ccurl_poll_in != 0 { events.insert(.readable) }
        if what & ccurl_poll_out != 0 { events.insert(.writable) }
        let watcher: PollWatcher
        if let existing = watchers[socket] {
            watcher = existing
        } else {
            do {
                watcher = try PollWatcher(loop: loop, fileDescriptor: socket)
            } catch {
                // Cannot watch it: report an error on the socket once libcurl has returned.
                loop.execute { [self] in socketAction(socket, ccurl_cselect_err) }
                return
            }
            watchers[socket] = watcher
        }
        watcher.start(events) { [unowned self] result in
            switch result {
            case .success(let ready):
                var flags: Int32 = 0
                if ready.contains(.readable) { flags |= ccurl_cselect_in }
                if ready.contains(.writable) { flags |= ccurl_cselect_out }
                socketAction(socket, flags)
            case .failure:
                socketAction(socket, ccurl_cselect_err)
            }
        }
    }

    private func scheduleTimeout(_ millis: Int) {
        guard !isClosed else { return }
        if millis < 0 {
            timer?.stop()
            return
        }
        let timer = self.timer ?? LoopTimer(loop: loop)
        self.timer = timer
        timer.start(after: .milliseconds(millis)) { [unowned self] in
            socketAction(ccurl_socket_timeout, 0)
        }
    }
}
