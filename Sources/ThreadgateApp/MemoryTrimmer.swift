#if canImport(Glibc)
import Glibc
#endif
import EventLoop

/// Gives freed heap memory back to the system every `interval` (glibc's `malloc_trim`).
///
/// Bursts of work (thousands of asks being set up at once, or finishing at once) free most of
/// what they took, but glibc keeps freed pages in its arenas, so the resident memory stays at
/// the burst's high-water mark for as long as the process runs. Trimming returns those pages:
/// with 10,000 waiting asks it took 25–45 MB off the RSS (`bench/ask.sh`). It runs on a thread
/// of its own, since a trim walks every arena and takes a few milliseconds on a large heap.
final class MemoryTrimmer: Sendable {
    private struct State {
        var stopped = false
        var trims = 0
    }

    private let state = LockedValue(State())
    let interval: Duration

    private init(interval: Duration) { self.interval = interval }

    /// Starts trimming every `interval` on a thread of its own; nil for a zero interval (off).
    static func start(interval: Duration) -> MemoryTrimmer? {
        guard interval > .zero else { return nil }
        let trimmer = MemoryTrimmer(interval: interval)
        BlockingThread.run { trimmer.run() }
        return trimmer
    }

    /// Trims done so far.
    var trims: Int { state.withLock { $0.trims } }

    /// Ends the trimming thread after its current pause.
    func stop() { state.withLock { $0.stopped = true } }

    private func run() {
        // Sleeps in steps of at most 100 ms so that `stop()` takes effect soon.
        let step = min(interval, .milliseconds(100))
        var slept = Duration.zero
        while !state.withLock({ $0.stopped }) {
            usleep(useconds_t(step.nanoseconds / 1000))
            slept += step
            guard slept >= interval else { continue }
            slept = .zero
            ProcessHeap.trim()
            state.withLock { $0.trims += 1 }
        }
    }
}
