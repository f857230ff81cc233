#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where verification reads the time: the wall clock (`exp`, `nbf` and `iat` are wall-clock
/// seconds), or a settable one in tests so expiry and refresh limits need no sleeping.
public struct AuthClock: Sendable {
    /// Seconds since 1970-01-01 UTC.
    public let now: @Sendable () -> Double

    public init(_ now: @escaping @Sendable () -> Double) { self.now = now }

    /// `CLOCK_REALTIME`.
    public static let system = AuthClock {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}

extension Duration {
    /// The duration in seconds, fractions included.
    var secondsValue: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
