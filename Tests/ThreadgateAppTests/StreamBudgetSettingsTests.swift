import Testing
import ThreadgateApp

struct StreamBudgetSettingsTests {
    @Test func theDefaultTakesThreeQuartersOfTheConnectionsWithinTheDescriptors() throws {
        var settings = try UpstreamSettings.resolve(environment: [:])
        #expect(settings.maxStreams == nil)
        // 512 connections per worker × 2 workers × ¾ = 768, well inside (20000 − 1024) / 3.
        #expect(settings.defaultMaxStreams(workers: 2, descriptorLimit: 20_000) == 768)
        #expect(settings.defaultMaxStreams(workers: 2, descriptorLimit: nil) == 768)
        // Many connections: the descriptors bound it, a streamed ask holding two of them.
        settings.maxConnectionsPerHost = 10_000
        #expect(settings.defaultMaxStreams(workers: 2, descriptorLimit: 20_000) == 6_325)
        // A tiny descriptor limit still leaves a few streams.
        #expect(settings.defaultMaxStreams(workers: 2, descriptorLimit: 1_100) == 64)
    }

    @Test func anExplicitBudgetWinsAndBadValuesAreRefused() throws {
        let settings = try UpstreamSettings.resolve(environment: ["ASK_MAX_STREAMS": "5"])
        #expect(settings.maxStreams == 5)
        #expect(settings.gatewayConfiguration(workers: 4).ask.maxStreams == 5)
        #expect(try UpstreamSettings.resolve(environment: ["ASK_MAX_STREAMS": "0"]).maxStreams == 0)
        #expect(throws: ConfigurationError.self) { try UpstreamSettings.resolve(environment: ["ASK_MAX_STREAMS": "many"]) }
        #expect(throws: ConfigurationError.self) { try UpstreamSettings.resolve(environment: ["ASK_MAX_STREAMS": "-1"]) }
    }

    @Test func thePollBudgetDefaultsTo256AndRefusesBadValues() throws {
        #expect(try UpstreamSettings.resolve(environment: [:]).gatewayConfiguration(workers: 2).ask.maxPolls == 256)
        let settings = try UpstreamSettings.resolve(environment: ["ASK_MAX_POLLS": "7"])
        #expect(settings.gatewayConfiguration(workers: 2).ask.maxPolls == 7)
        #expect(throws: ConfigurationError.self) { try UpstreamSettings.resolve(environment: ["ASK_MAX_POLLS": "0"]) }
        #expect(throws: ConfigurationError.self) { try UpstreamSettings.resolve(environment: ["ASK_MAX_POLLS": "lots"]) }
    }
}
