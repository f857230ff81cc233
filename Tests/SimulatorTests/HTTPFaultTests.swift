import JSON
import Simulator
import Testing

extension SimulatorSocketTests {
    @Suite struct Faults {
        @Test func latencyFromTheHeader() async throws {
            try await withSimulator { sim in
                let response = try await sim.call("GET", "/v1/assistants", headers: [("X-Simulator-Fault", "latency=300")])
                #expect(response.status == 200)
                #expect(response.millis >= 300)
                #expect(try await sim.stats()["requests"]?["faults_injected"]?["latency"] == 1)
            }
        }

        @Test func injectedStatusSkipsTheRequest() async throws {
            try await withSimulator { sim in
                for status in [500, 502, 503] {
                    let response = try await sim.call("POST", "/v1/threads", [:], headers: [("X-Simulator-Fault", "status=\(status)")])
                    #expect(response.status == status)
                    #expect(response.error?["type"] == "server_error")
                    #expect(response.error?["param"] == .null)
                }
                let stats = try await sim.stats()
                #expect(stats["threads_created"] == 0)
                #expect(stats["requests"]?["by_route"]?["POST /v1/threads"]?["503"] == 1)
            }
        }

        @Test func rateLimitedWithRetryAfter() async throws {
            try await withSimulator { sim in
                let response = try await sim.call("GET", "/v1/assistants", headers: [("X-Simulator-Fault", "429,retry-after=2")])
                #expect(response.status == 429)
                #expect(response["retry-after"] == "2")
                #expect(response.error?["code"] == "rate_limit_exceeded")
                let bad = try await sim.call("GET", "/v1/assistants", headers: [("X-Simulator-Fault", "explode")])
                #expect(bad.status == 400)
            }
        }

        @Test func droppedConnectionMidBody() async throws {
            try await withSimulator { sim in
                do {
                    let response = try await sim.call("GET", "/v1/assistants", headers: [("X-Simulator-Fault", "drop")])
                    Issue.record("expected a cut body, got \(response)")
                } catch let error as SimClientError {
                    #expect(["connection reset", "end of file in a line", "end of file in a body"].contains(error.description))
                }
                // A dropped stream: the run was still created (the request was handled).
                let thread = try await sim.thread(saying: "drop me")
                _ = try? await sim.call(
                    "POST", "/v1/threads/\(thread)/runs", ["assistant_id": "asst_default", "stream": true],
                    headers: [("X-Simulator-Fault", "drop")])
                #expect(try await sim.stats()["runs_created"] == 1)
                #expect(try await sim.stats()["requests"]?["faults_injected"]?["drop"] == 2)
            }
        }

        @Test func stalledBodyArrivesLate() async throws {
            try await withSimulator { sim in
                let response = try await sim.call("GET", "/v1/assistants", headers: [("X-Simulator-Fault", "stall=400")])
                #expect(response.status == 200)
                #expect(response.millis >= 400)
                #expect(response.json.ids.count == 2)
                let tooImpatient = try? await sim.call(
                    "GET", "/v1/assistants", headers: [("X-Simulator-Fault", "stall=1500")], timeout: .milliseconds(300))
                #expect(tooImpatient == nil)
            }
        }

        @Test func flagFaultsApplyToEveryRequest() async throws {
            var faults = FaultSettings()
            faults.errorRate = 1
            try await withSimulator(faults: faults) { sim in
                for _ in 0..<6 {
                    let status = try await sim.call("GET", "/v1/assistants").status
                    #expect([500, 502, 503].contains(status))
                }
                #expect(try await sim.call("GET", "/v1/_simulator/stats").status == 200)  // never faulted
            }
            faults = FaultSettings()
            faults.rateLimitRate = 1
            faults.retryAfterSeconds = 3
            try await withSimulator(faults: faults) { sim in
                let response = try await sim.call("GET", "/v1/assistants")
                #expect(response.status == 429)
                #expect(response["retry-after"] == "3")
            }
        }

        @Test func seededDecisionsRepeat() async throws {
            var faults = FaultSettings()
            faults.errorRate = 0.5
            var runs: [[Int]] = []
            for _ in 0..<2 {
                try await withSimulator(faults: faults) { sim in
                    var statuses: [Int] = []
                    for _ in 0..<12 { statuses.append(try await sim.call("GET", "/v1/assistants").status) }
                    runs.append(statuses)
                }
            }
            #expect(runs[0] == runs[1])
            #expect(runs[0].contains(200))
            #expect(runs[0].contains { $0 >= 500 })
        }
    }
}
