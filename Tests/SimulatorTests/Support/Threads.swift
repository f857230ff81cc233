import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The body of a raw pthread.
private final class ThreadWork: @unchecked Sendable {  // handed to exactly one new thread
    let run: @Sendable () -> Void
    init(_ run: @escaping @Sendable () -> Void) { self.run = run }
}

/// Runs blocking `body` (socket I/O, loop joins) on a fresh POSIX thread, so it never blocks
/// the cooperative pool that the test runner and the server's tasks share.
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

/// Sleeps the calling (non-pool) thread.
func sleepMillis(_ millis: Int) { usleep(useconds_t(millis * 1000)) }
