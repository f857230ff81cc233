import Testing
import TestSupport
@testable import ThreadgateApp

struct MemoryTrimmerTests {
    @Test func trimsEveryIntervalUntilStopped() async throws {
        let trimmer = try #require(MemoryTrimmer.start(interval: .milliseconds(20)))
        #expect(await eventually(timeout: .seconds(20)) { trimmer.trims >= 3 })
        trimmer.stop()
        // The thread may still finish the step it is in (one more trim at most), however late it
        // gets to run; a trimmer that went on would trim every 20 ms meanwhile.
        let atStop = trimmer.trims
        try await Task.sleep(for: .milliseconds(500))
        let later = trimmer.trims
        #expect(later <= atStop + 1, "\(later - atStop) trims after stop()")
    }

    @Test func aZeroIntervalTurnsTrimmingOff() {
        #expect(MemoryTrimmer.start(interval: .zero) == nil)
    }

    @Test func theIntervalComesFromMallocTrimIntervalMs() throws {
        #expect(try ServeConfiguration.resolve(flags: .init(), environment: [:], cores: 1).mallocTrimInterval == .seconds(5))
        let set = try ServeConfiguration.resolve(flags: .init(), environment: ["MALLOC_TRIM_INTERVAL_MS": "0"], cores: 1)
        #expect(set.mallocTrimInterval == .zero)
        #expect(throws: ConfigurationError.self) {
            try ServeConfiguration.resolve(flags: .init(), environment: ["MALLOC_TRIM_INTERVAL_MS": "soon"], cores: 1)
        }
        #expect(throws: ConfigurationError.self) {
            try ServeConfiguration.resolve(flags: .init(), environment: ["MALLOC_TRIM_INTERVAL_MS": "-5"], cores: 1)
        }
    }
}
