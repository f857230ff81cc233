internal import CUV

/// A libuv timer on one loop.
public final class LoopTimer: LoopHandle, @unchecked Sendable {  // confined to its loop thread
    private var callback: (() -> Void)?

    public init(loop: EventLoop) {
        loop.assertInLoop()
        super.init(loop: loop, type: UV_TIMER)
        uv_timer_init(loop.uv, timer)  // cannot fail
        adopt()
    }

    private var timer: UnsafeMutablePointer<uv_timer_t> { rawHandle.assumingMemoryBound(to: uv_timer_t.self) }

    /// Calls `callback` after `delay`, and then every `interval` if given. Restarts a running timer.
    public func start(after delay: Duration, repeating interval: Duration? = nil, _ callback: @escaping () -> Void) {
        guard !isClosed else { return }
        self.callback = callback
        restart(after: delay, repeating: interval)
    }

    /// Starts (or restarts) the timer with the callback given last, without allocating a new one:
    /// for owners that re-arm one timer on every request.
    public func restart(after delay: Duration, repeating interval: Duration? = nil) {
        guard !isClosed, callback != nil else { return }
        uv_timer_start(timer, { handle in
            LoopHandle.owner(handle, as: LoopTimer.self).fire()
        }, delay.roundedUpMilliseconds, interval?.roundedUpMilliseconds ?? 0)
    }

    /// Stops the timer without closing it; `restart(after:)` can start it again.
    public func stop() {
        guard !isClosed else { return }
        uv_timer_stop(timer)
    }

    private func fire() {
        callback?()
    }

    override func willClose() {
        callback = nil
    }
}

extension Duration {
    /// Whole nanoseconds (negative durations count as zero), for monotonic-clock arithmetic.
    public var nanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0, attoseconds >= 0 else { return 0 }
        return UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
    }

    /// Whole milliseconds, rounded up so a timer never fires early.
    var roundedUpMilliseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0, attoseconds >= 0 || seconds > 0 else { return 0 }
        let millis = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return UInt64(max(0, millis))
    }
}

extension EventLoop {
    /// Suspends for `duration` on this loop's clock. Throws `CancellationError` when the task is
    /// cancelled or the loop shuts down first.
    public func sleep(for duration: Duration) async throws {
        try await withLoopCallback(on: self) { (completion: LoopCompletion<Void>) in
            if self.isShuttingDown {
                completion.fail(CancellationError())
                return
            }
            let timer = LoopTimer(loop: self)
            // Shutdown would force-close the timer and never resume the task: end the sleep first.
            let hook = self.addShutdownHook {
                timer.close()
                completion.fail(CancellationError())
            }
            // libuv counts from the loop's clock, cached at the start of each turn in whole
            // milliseconds: refresh it and add one so the sleep never ends early.
            uv_update_time(self.uv)
            timer.start(after: duration + .milliseconds(1)) {
                timer.close()
                self.removeShutdownHook(hook)
                completion.succeed(())
            }
            completion.onCancel {
                timer.close()
                self.removeShutdownHook(hook)
            }
        }
    }

    /// Milliseconds on the loop's cached monotonic clock (`uv_now`). Loop thread only.
    public var now: UInt64 {
        assertInLoop()
        return uv_now(uv)
    }
}
