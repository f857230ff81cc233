import DatabaseTestSupport
import EventLoop
import HTTP1
import JSON
import Simulator
import Testing
import TestSupport
@testable import ThreadgateApp

/// The upstream entry of `/readyz` (probed in the background, cached) and draining on SIGTERM.
@Suite(.timeLimit(.minutes(1)))
struct ReadinessUpstreamTests {
    static let key = "sk-probe-test-key"
    static let fastProbe = Readiness.Settings(
        timeout: .seconds(2), migrationsCacheTTL: .milliseconds(100), upstreamProbeInterval: .milliseconds(100))

    /// Polls `/readyz` until the upstream check reads `status` (at most 10 s: the bound only
    /// ends a failing wait; a loaded sanitizer run can take seconds for the probe to come round).
    static func upstreamStatus(becomes status: String, port: Int) async throws -> TestResponse {
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            let ready = try await get("/readyz", port: port)
            if try checkStatus(ready, "upstream") == status || ContinuousClock.now > deadline { return ready }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    static func startSimulator(port: Int = 0, loop: EventLoop) async throws -> SimulatorServer {
        var configuration = SimulatorConfiguration(apiKey: key)
        configuration.port = port
        return try await SimulatorServer.start(configuration, loops: [loop])
    }

    @Test func upstreamDownThenBackIsReportedFromTheBackgroundProbe() async throws {
        let loop = try EventLoop.start(name: "probe-sim")
        var simulator: SimulatorServer? = try await Self.startSimulator(loop: loop)
        let port = try #require(simulator?.port)
        let environment = ["UPSTREAM_BASE_URL": "http://127.0.0.1:\(port)/v1", "UPSTREAM_API_KEY": Self.key]
        do {
            try await withGateway(try testConfiguration(databaseURL: nil, environment: environment), readiness: Self.fastProbe) { gateway in
                let up = try await Self.upstreamStatus(becomes: "ok", port: gateway)
                #expect(try checkStatus(up, "upstream") == "ok")

                await simulator?.shutdown(gracePeriod: .zero)
                simulator = nil
                let down = try await Self.upstreamStatus(becomes: "unavailable", port: gateway)
                #expect(try checkStatus(down, "upstream") == "unavailable")
                #expect(!down.text.contains("127.0.0.1"), "no host in the body")

                simulator = try await Self.startSimulator(port: port, loop: loop)
                let back = try await Self.upstreamStatus(becomes: "ok", port: gateway)
                #expect(try checkStatus(back, "upstream") == "ok")
                #expect(try await get("/healthz", port: gateway).status == 200)
            }
        } catch {
            await simulator?.shutdown(gracePeriod: .zero)
            try await onThread { EventLoop.shutdownAndJoin([loop]) }
            throw error
        }
        await simulator?.shutdown(gracePeriod: .zero)
        try await onThread { EventLoop.shutdownAndJoin([loop]) }
        #expect(loop.closeStatus == 0)
    }

    @Test func aRefusedKeyIsUpstreamAuthFailedAndNotReady() async throws {
        let loop = try EventLoop.start(name: "probe-sim")
        let simulator = try await Self.startSimulator(loop: loop)
        let environment = ["UPSTREAM_BASE_URL": "http://127.0.0.1:\(simulator.port)/v1", "UPSTREAM_API_KEY": "sk-wrong"]
        var failure: (any Error)?
        do {
            try await withGateway(try testConfiguration(databaseURL: nil, environment: environment), readiness: Self.fastProbe) { gateway in
                let ready = try await Self.upstreamStatus(becomes: "upstream_auth_failed", port: gateway)
                #expect(ready.status == 503)
                #expect(try checkStatus(ready, "upstream") == "upstream_auth_failed")
                #expect(!ready.text.contains("sk-wrong"))
            }
        } catch {
            failure = error
        }
        await simulator.shutdown(gracePeriod: .zero)
        try await onThread { EventLoop.shutdownAndJoin([loop]) }
        if let failure { throw failure }
    }

    @Test func upstreamChecksDecideReadinessOnlyForARefusedKeyUnlessRequired() {
        var report = ReadinessReport(database: .ok, migrations: .ok, upstream: .ok)
        #expect(report.isReady)
        for status in [ReadinessReport.Check.Status.unavailable, .unknown, .notConfigured] {
            report.upstream = .init(status: status, message: "x")
            report.requireUpstream = false
            #expect(report.isReady, "\(status)")
            report.requireUpstream = true
            #expect(!report.isReady, "\(status)")
        }
        report.requireUpstream = false
        report.upstream = .init(status: .upstreamAuthFailed, message: "x")
        #expect(!report.isReady)
        report.upstream = .ok
        report.draining = true
        #expect(!report.isReady)
        #expect(report.json["status"] == "draining")
        #expect(report.response.status == .serviceUnavailable)
    }

    @Test func probeAnswersMapToChecks() {
        #expect(UpstreamProbe.check(status: 200).status == .ok)
        #expect(UpstreamProbe.check(status: 404).status == .ok)
        #expect(UpstreamProbe.check(status: 429).status == .ok)
        #expect(UpstreamProbe.check(status: 401).status == .upstreamAuthFailed)
        #expect(UpstreamProbe.check(status: 403).status == .upstreamAuthFailed)
        #expect(UpstreamProbe.check(status: 500).status == .unavailable)
        #expect(UpstreamProbe.check(status: 503).status == .unavailable)
    }

    @Test func operationsSettingsResolveFromTheEnvironment() throws {
        let config = try ServeConfiguration.resolve(
            flags: .init(),
            environment: [
                "METRICS_TOKEN": "t", "SHUTDOWN_DRAIN_DELAY_MS": "1500", "UPSTREAM_PROBE_INTERVAL_MS": "2500",
                "READYZ_REQUIRE_UPSTREAM": "1",
            ],
            cores: 1)
        #expect(config.metricsToken == "t")
        #expect(config.shutdownDrainDelay == .milliseconds(1500))
        #expect(config.upstreamProbeInterval == .milliseconds(2500))
        #expect(config.readinessRequiresUpstream)
        let defaults = try ServeConfiguration.resolve(flags: .init(), environment: [:], cores: 1)
        #expect(defaults.metricsToken == nil && defaults.shutdownDrainDelay == .zero && !defaults.readinessRequiresUpstream)
        #expect(throws: ConfigurationError.self) {
            try ServeConfiguration.resolve(flags: .init(), environment: ["READYZ_REQUIRE_UPSTREAM": "yes"], cores: 1)
        }
        #expect(throws: ConfigurationError.self) {
            try ServeConfiguration.resolve(flags: .init(), environment: ["SHUTDOWN_DRAIN_DELAY_MS": "-1"], cores: 1)
        }
    }
}

/// Draining against a real database: ready, then 503 `draining` at once on the SIGTERM
/// sequence while requests are still served for the drain delay, then closed.
@Suite(.enabled(if: databaseTestsEnabled, "THREADGATE_SKIP_DB_TESTS=1"), .timeLimit(.minutes(1)))
struct DrainingTests {
    @Test func readinessIs503DrainingWhileTheServerStillServes() async throws {
        try await withTestDatabase { db in
            try await withGatewayServer(try testConfiguration(databaseURL: db.url)) { gateway in
                let port = gateway.port
                #expect(try await get("/readyz", port: port).status == 200)
                let started = ContinuousClock.now
                // A drain delay long enough for the requests below even on a loaded machine.
                let stopping = Task { await gateway.drainAndStop(drainDelay: .seconds(4), gracePeriod: .seconds(2)) }
                var draining = try await get("/readyz", port: port)
                while draining.status == 200, ContinuousClock.now - started < .seconds(3) {
                    draining = try await get("/readyz", port: port)
                }
                #expect(draining.status == 503)
                #expect(try draining.json()["status"] == "draining")
                #expect(try checkStatus(draining, "database") == "ok", "the checks are still reported")
                // Still accepting and serving during the delay.
                #expect(try await get("/healthz", port: port).status == 200)
                #expect(try await get("/metrics", port: port).status == 200)
                #expect(ContinuousClock.now - started < .seconds(4), "the drain delay outlived the test's requests")
                await stopping.value
                #expect(ContinuousClock.now - started >= .seconds(4))
                await #expect(throws: (any Error).self) { _ = try await get("/healthz", port: port) }
            }
        }
    }
}
