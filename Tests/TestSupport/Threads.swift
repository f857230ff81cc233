#if canImport(Glibc)
public import Glibc
#endif

/// The body of a raw pthread.
private final class ThreadBody: @unchecked Sendable {  // handed to exactly one new thread
    let run: @Sendable () -> Void
    init(_ run: @escaping @Sendable () -> Void) { self.run = run }
}

/// Starts a plain POSIX thread (not one of Swift's cooperative threads) running `body`.
public func startThread(_ body: @escaping @Sendable () -> Void) -> pthread_t {
    var thread = pthread_t()
    let box = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
    let status = pthread_create(&thread, nil, { raw in
        Unmanaged<ThreadBody>.fromOpaque(raw!).takeRetainedValue().run()
        return nil
    }, box)
    precondition(status == 0, "pthread_create failed: \(status)")
    return thread
}

/// Runs blocking `body` (socket I/O, loop joins) on a fresh POSIX thread, so it never blocks
/// the cooperative pool that the test runner and the servers' tasks share.
public func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = startThread { continuation.resume(with: Result { try body() }) }
        pthread_detach(thread)
    }
}
