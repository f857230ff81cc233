#if canImport(Glibc)
import Glibc
#endif

/// The body of a raw pthread.
private final class ThreadWork: @unchecked Sendable {  // handed to exactly one new thread
    let run: @Sendable () -> Void
    init(_ run: @escaping @Sendable () -> Void) { self.run = run }
}

/// Runs blocking `body` (loop joins) on a fresh POSIX thread, so it never blocks the
/// cooperative pool that the test runner and the servers' tasks share.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        var thread = pthread_t()
        let box = Unmanaged.passRetained(ThreadWork { continuation.resume(with: Result { try body() }) }).toOpaque()
        let status = pthread_create(&thread, nil, { raw in
            Unmanaged<ThreadWork>.fromOpaque(raw!).takeRetainedValue().run()
            return nil
        }, box)
        precondition(status == 0, "pthread_create failed: \(status)")
        pthread_detach(thread)
    }
}

/// Milliseconds on a monotonic clock.
func monotonicMillis() -> Int64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
}

/// A loopback port nothing listens on (bound, then closed): connections are refused.
func closedPort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
            precondition(bind(fd, raw, length) == 0, "bind failed")
            precondition(getsockname(fd, raw, &length) == 0, "getsockname failed")
        }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}
