#if canImport(Glibc)
import Glibc
#endif

/// Polls `condition` every `pollInterval` until it holds or `timeout` passes; returns its last
/// value.
public func eventually(
    timeout: Duration = .seconds(3), pollInterval: Duration = .milliseconds(2),
    _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: pollInterval)
    }
    return try await condition()
}

/// Milliseconds on a monotonic clock.
public func monotonicMillis() -> Int64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
}
