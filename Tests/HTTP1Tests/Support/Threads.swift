import EventLoop
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The body of a raw pthread.
private final class ThreadBody: @unchecked Sendable {  // handed to exactly one new thread
    let run: @Sendable () -> Void
    init(_ run: @escaping @Sendable () -> Void) { self.run = run }
}

/// Starts a plain POSIX thread (not one of Swift's cooperative threads) running `body`.
func startThread(_ body: @escaping @Sendable () -> Void) -> pthread_t {
    var thread = pthread_t()
    let box = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
    let status = pthread_create(&thread, nil, { raw in
        Unmanaged<ThreadBody>.fromOpaque(raw!).takeRetainedValue().run()
        return nil
    }, box)
    precondition(status == 0, "pthread_create failed: \(status)")
    return thread
}

/// Runs blocking `body` (socket I/O, joins) on its own thread, so it never blocks the
/// cooperative pool the test runner and the server's tasks share.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = startThread { continuation.resume(with: Result { try body() }) }
        pthread_detach(thread)
    }
}

/// Polls `condition` until it holds or `timeout` passes; returns its last value.
func eventually(timeout: Duration = .seconds(3), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(2))
    }
    return try await condition()
}

/// Milliseconds since `start` on the monotonic clock.
func millisSince(_ start: UInt64) -> Int {
    Int((EventLoop.monotonicNanoseconds &- start) / 1_000_000)
}
