import Testing
import TestSupport
@testable import ThreadgateApp

struct MemoryTrimmerTests {
    @Test func trimsEveryIntervalUntilStopped() async throws {
        let trimmer = try #require(MemoryTrimmer.start(interval: .milliseconds(20)))
        #expect(await eventually(timeout: .seconds(20)) { trimmer.trims >= 3 })
        trimmer.stop()
        try await Task.sleep(for: .milliseconds(300))  // the thread's last pause ends
        let stopped = trimmer.trims
        try await Task.sleep(for: .milliseconds(200))
        #expect(trimmer.trims == stopped)
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
