import JSON
import Simulator
import Testing

extension SimulatorSocketTests {
    @Suite struct Auth {
        @Test func missingKeyIs401InTheUpstreamsWords() async throws {
            try await withSimulator { sim in
                let response = try await sim.call("GET", "/v1/assistants", key: nil)
                #expect(response.status == 401)
                #expect(response.error?["message"]?.stringValue?.hasPrefix("You didn't provide an API key.") == true)
                #expect(response.error?["type"] == "invalid_request_error")
                #expect(response.error?["param"] == .null)
                #expect(response["x-request-id"]?.isEmpty == false)
            }
        }

        @Test func wrongKeyIs401InvalidAPIKey() async throws {
            try await withSimulator { sim in
                let response = try await sim.call("POST", "/v1/threads", [:], key: "sk-wrong-key-abcdefgh")
                #expect(response.status == 401)
                #expect(response.error?["code"] == "invalid_api_key")
                #expect(response.error?["type"] == "invalid_request_error")
                let message = response.error?["message"]?.stringValue ?? ""
                #expect(message.hasPrefix("Incorrect API key provided: sk-**************efgh."))
                #expect(!message.contains("wrong"))
                let malformed = try await sim.call("GET", "/v1/assistants", headers: [("Authorization", "Basic abc")], key: nil)
                #expect(malformed.status == 401)
            }
        }

        @Test func betaHeaderIsRequiredLikeUpstream() async throws {
            try await withSimulator { sim in
                let missing = try await sim.call("POST", "/v1/threads", [:], beta: false)
                #expect(missing.status == 400)
                #expect(missing.error?["code"] == "invalid_beta")
                #expect(
                    missing.error?["message"]
                        == "You must provide the 'OpenAI-Beta' header to access the Assistants API. Please try again by setting the header 'OpenAI-Beta: assistants=v2'."
                )
                let v1 = try await sim.call("POST", "/v1/threads", [:], headers: [("OpenAI-Beta", "assistants=v1")], beta: false)
                #expect(v1.status == 400)
            }
            try await withSimulator(requireBetaHeader: false) { sim in
                let response = try await sim.call("POST", "/v1/threads", [:], beta: false)
                #expect(response.status == 200)
            }
        }

        @Test func everyResponseCarriesARequestID() async throws {
            try await withSimulator { sim in
                let mine = try await sim.call("GET", "/v1/assistants", headers: [("X-Request-Id", "req_mine")])
                #expect(mine["x-request-id"] == "req_mine")
                let notFound = try await sim.call("GET", "/v1/threads/thread_nope")
                #expect(notFound.status == 404)
                #expect(notFound.error?["message"] == "No thread found with id 'thread_nope'.")
                #expect(notFound["x-request-id"]?.count == 32)
                let unknownRoute = try await sim.call("GET", "/v1/nothing")
                #expect(unknownRoute.status == 404)
                #expect(unknownRoute["x-request-id"] != nil)
            }
        }

        @Test func statsNeedNoKeyAndCountByRouteAndStatus() async throws {
            try await withSimulator { sim in
                _ = try await sim.call("GET", "/v1/assistants", key: nil)
                _ = try await sim.call("GET", "/v1/assistants")
                let stats = try await sim.call("GET", "/v1/_simulator/stats", key: nil, beta: false)
                #expect(stats.status == 200)
                let byRoute = stats.json["requests"]?["by_route"]?["GET /v1/assistants"]
                #expect(byRoute == ["200": 1, "401": 1])
                #expect(stats.json["requests"]?["by_status"]?["401"] == 1)
                #expect(stats.json["runs_created"] == 0)
                let reset = try await sim.call("DELETE", "/v1/_simulator/stats", key: nil, beta: false)
                #expect(reset.status == 200)
                #expect(try await sim.stats()["requests"]?["total"] == 1)  // the reset itself
            }
        }
    }
}
