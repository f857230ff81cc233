import EventLoop
#if canImport(Glibc)
import Glibc
#endif

/// Where the simulator reads the time: Unix milliseconds. Injected so tests control it.
public protocol SimulatorClock: Sendable {
    /// Milliseconds since the Unix epoch.
    func nowMillis() -> Int64
}

/// The wall clock (`CLOCK_REALTIME`).
public struct SystemSimulatorClock: SimulatorClock {
    public init() {}

    public func nowMillis() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}

/// A clock that only moves when told to; for tests.
///
/// ```swift
/// let clock = ManualSimulatorClock(start: 1_700_000_000_000)
/// clock.advance(by: 250)
/// ```
public final class ManualSimulatorClock: SimulatorClock {
    private let now: LockedValue<Int64>

    public init(start: Int64 = 1_700_000_000_000) { now = LockedValue(start) }

    public func nowMillis() -> Int64 { now.withLock { $0 } }

    /// Moves the clock forward by `millis`.
    public func advance(by millis: Int64) { now.withLock { $0 += millis } }

    /// Sets the clock to `millis`.
    public func set(_ millis: Int64) { now.withLock { $0 = millis } }
}
