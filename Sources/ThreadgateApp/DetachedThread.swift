#if canImport(Glibc)
import Glibc
#endif

/// Runs blocking work (`waitpid`, joining loop threads) on a short-lived thread of its own,
/// never on a loop thread or Swift's cooperative pool.
enum DetachedThread {
    private final class Body: @unchecked Sendable {  // handed to exactly one new thread
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    /// Runs `body` on a new detached thread and resumes with its result. (A checked continuation:
    /// ThreadSanitizer reports the unsafe one resumed from a raw pthread as a race.)
    static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            start { continuation.resume(returning: body()) }
        }
    }

    /// Starts `body` on a new detached thread; runs it inline when no thread can be created.
    static func start(_ body: @escaping @Sendable () -> Void) {
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        let box = Unmanaged.passRetained(Body(body)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, &attributes, { raw in
            Unmanaged<Body>.fromOpaque(raw!).takeRetainedValue().run()
            return nil
        }, box)
        if status != 0 {
            Unmanaged<Body>.fromOpaque(box).takeRetainedValue().run()
        }
    }
}
