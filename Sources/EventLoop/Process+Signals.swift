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
