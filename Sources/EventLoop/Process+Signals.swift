internal import CUV
#if canImport(Glibc)
import Glibc
#endif

extension EventLoop {
    /// Ignores SIGPIPE for the process: a write to a socket the peer closed then fails with
    /// EPIPE, which the stream reports, instead of killing the process. Call once at start-up.
    public static func ignoreBrokenPipeSignals() {
        signal(SIGPIPE, SIG_IGN)
    }

    /// The number of CPUs this process may run on (at least 1).
    public static var availableCores: Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }
}

/// The process's open-descriptor limit (`RLIMIT_NOFILE`).
public struct DescriptorLimit: Sendable, Equatable {
    /// The limit in force.
    public var soft: UInt64
    /// The ceiling the soft limit may be raised to without privileges.
    public var hard: UInt64

    public init(soft: UInt64, hard: UInt64) {
        self.soft = soft
        self.hard = hard
    }

    /// The current limits; nil when the system does not say.
    public static var current: DescriptorLimit? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        return DescriptorLimit(soft: UInt64(limit.rlim_cur), hard: UInt64(limit.rlim_max))
    }

    /// Raises the soft limit to the hard one, as servers holding many connections do (every
    /// waiting ask holds a client socket and, streamed, an upstream one). Returns the limits
    /// before and after; `after` equals `before` when nothing changed or raising failed.
    @discardableResult
    public static func raiseSoftToHard() -> (before: DescriptorLimit, after: DescriptorLimit)? {
        guard let before = current else { return nil }
        guard before.soft < before.hard else { return (before, before) }
        var limit = rlimit(rlim_cur: rlim_t(before.hard), rlim_max: rlim_t(before.hard))
        guard setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return (before, before) }
        return (before, current ?? before)
    }
}

/// The process's heap.
public enum ProcessHeap {
    /// Returns the heap's free pages to the system (glibc's `malloc_trim`); true when some were
    /// returned. Walks every arena: call it off the loop threads.
    @discardableResult
    public static func trim() -> Bool { cuv_malloc_trim() == 1 }
}
