import Simulator
import Testing

@Suite struct FaultPlanTests {
    @Test func fullGrammar() throws {
        let plan = try FaultPlan.parse(header: " latency=300 , STATUS=503,drop, stall=2000,retry-after=3")
        #expect(plan.latencyMillis == 300)
        #expect(plan.status == 503)
        #expect(plan.drop)
        #expect(plan.stallMillis == 2000)
        #expect(plan.retryAfterSeconds == 3)
    }

    @Test func bareStatusCode() throws {
        #expect(try FaultPlan.parse(header: "429").status == 429)
        #expect(try FaultPlan.parse(header: "").isEmpty)
    }

    @Test(arguments: ["latency", "status=200", "600", "explode", "stall=-1", "latency=abc", "drop=1"])
    func invalidDirectivesAre400s(header: String) {
        #expect(throws: SimulatorError.self) { try FaultPlan.parse(header: header) }
        do {
            _ = try FaultPlan.parse(header: header)
        } catch {
            #expect(error.status == 400)
            #expect(error.message.contains("X-Simulator-Fault"))
        }
    }
}
