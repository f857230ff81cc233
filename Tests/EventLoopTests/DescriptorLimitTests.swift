import EventLoop
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized)
struct DescriptorLimitTests {
    @Test func raisingLiftsTheSoftLimitToTheHardOne() throws {
        let original = try #require(DescriptorLimit.current)
        try #require(original.hard > 64, "a hard limit this low leaves nothing to test")
        // Lower the soft limit below the hard one (unprivileged and reversible), then raise it.
        let lowered = min(original.soft, original.hard - 1)
        var limit = rlimit(rlim_cur: rlim_t(lowered), rlim_max: rlim_t(original.hard))
        try #require(setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0)
        defer {
            var restore = rlimit(rlim_cur: rlim_t(original.soft), rlim_max: rlim_t(original.hard))
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &restore)
        }
        let result = try #require(DescriptorLimit.raiseSoftToHard())
        #expect(result.before == DescriptorLimit(soft: lowered, hard: original.hard))
        #expect(result.after == DescriptorLimit(soft: original.hard, hard: original.hard))
        #expect(DescriptorLimit.current == result.after)
        // Already at the ceiling: nothing changes.
        let again = try #require(DescriptorLimit.raiseSoftToHard())
        #expect(again.before == again.after)
    }
}
