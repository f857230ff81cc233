import EventLoop

/// Ends a wait at its deadline or when draining begins, whichever comes first, with no task of
/// its own for either: an ``AlarmClock`` alarm and a ``DrainSignal`` action do it. The first
/// sets ``reason`` and runs `onInterrupt` (to stop what the wait awaits, such as a stream
/// read); ``pause()`` suspends until then. Call ``end()`` when the wait is over.
///
/// A waiting ask holds one of these (a few hundred bytes) where it used to hold two sleeping
/// child tasks (a kilobyte and more each: a task keeps its deepest call's memory while it lives).
final class WaitInterruption: Sendable {
    enum Reason: Sendable, Equatable {
        case deadline
        case draining
    }

    private struct State {
        var reason: Reason?
        var onInterrupt: (@Sendable () -> Void)?
        var waiter: UnsafeContinuation<Void, Never>?
        var alarm: AlarmClock.Alarm?
        var drainRegistration: DrainSignal.Registration?
    }

    private let state: LockedValue<State>
    private let alarms: AlarmClock
    private let drain: DrainSignal

    init(
        deadline: ContinuousClock.Instant, alarms: AlarmClock, drain: DrainSignal, onInterrupt: (@Sendable () -> Void)? = nil
    ) {
        state = LockedValue(State(onInterrupt: onInterrupt))
        self.alarms = alarms
        self.drain = drain
        let alarm = alarms.schedule(at: deadline) { [weak self] in self?.interrupt(.deadline) }
        let registration = drain.onBegin { [weak self] in self?.interrupt(.draining) }
        state.withLock { state in
            state.alarm = alarm
            state.drainRegistration = registration
        }
        if registration == nil { interrupt(.draining) }
    }

    /// Why the wait was interrupted; nil while it was not.
    var reason: Reason? { state.withLock { $0.reason } }

    private func interrupt(_ reason: Reason) {
        let (action, waiter) = state.withLock { state -> ((@Sendable () -> Void)?, UnsafeContinuation<Void, Never>?) in
            guard state.reason == nil else { return (nil, nil) }
            state.reason = reason
            defer {
                state.onInterrupt = nil
                state.waiter = nil
            }
            return (state.onInterrupt, state.waiter)
        }
        action?()
        waiter?.resume()
    }

    /// Suspends until the wait is interrupted or the calling task is cancelled.
    func pause() async {
        await withTaskCancellationHandler {
            await withUnsafeContinuation { (continuation: UnsafeContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.reason != nil || Task.isCancelled { return true }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> UnsafeContinuation<Void, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }

    /// Unregisters the alarm and the drain action.
    func end() {
        let (alarm, registration) = state.withLock { state -> (AlarmClock.Alarm?, DrainSignal.Registration?) in
            defer {
                state.alarm = nil
                state.drainRegistration = nil
                state.onInterrupt = nil
            }
            return (state.alarm, state.drainRegistration)
        }
        if let alarm { alarms.cancel(alarm) }
        if let registration { drain.remove(registration) }
    }
}
