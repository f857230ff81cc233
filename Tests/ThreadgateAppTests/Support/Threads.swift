#if canImport(Glibc)
import Glibc
#endif

private final class ThreadBody: @unchecked Sendable {  // handed to exactly one new thread
    let run: @Sendable () -> Void
    init(_ run: @escaping @Sendable () -> Void) { self.run = run }
}

/// Runs blocking `body` (sockets, joins) on a plain thread of its own, never on the
/// cooperative pool the test runner and the servers' tasks share.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        var thread = pthread_t()
        let box = Unmanaged.passRetained(ThreadBody { continuation.resume(with: Result { try body() }) }).toOpaque()
        let status = pthread_create(&thread, nil, { raw in
            Unmanaged<ThreadBody>.fromOpaque(raw!).takeRetainedValue().run()
            return nil
        }, box)
        precondition(status == 0, "pthread_create failed: \(status)")
        pthread_detach(thread)
    }
}

/// Polls `condition` every 50 ms until it holds or `timeout` passes; returns its last value.
func eventually(timeout: Duration, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}
