import JSON
import Simulator
import Testing

extension SimulatorSocketTests {
    @Suite struct Conversations {
        @Test func conversationCRUDWithoutBetaHeader() async throws {
            try await withSimulator { sim in
                let created = try await sim.call(
                    "POST", "/v1/conversations",
                    ["metadata": ["topic": "demo"], "items": [["type": "message", "role": "user", "content": "Hello!"]]],
                    beta: false)
                #expect(created.status == 200)
                let id = created.json["id"]!.stringValue!
                #expect(id.hasPrefix("conv_"))
                #expect(created.json["object"] == "conversation")
                #expect(created.json["metadata"] == ["topic": "demo"])
                #expect(created.json["created_at"]?.intValue != nil)
                #expect(try await sim.json("GET", "/v1/conversations/\(id)")["metadata"] == ["topic": "demo"])
                let updated = try await sim.json("POST", "/v1/conversations/\(id)", ["metadata": ["topic": "x"]])
                #expect(updated["metadata"] == ["topic": "x"])
                let items = try await sim.json("GET", "/v1/conversations/\(id)/items")
                #expect(items["data"]?[0]?["content"] == [["type": "input_text", "text": "Hello!"]])
                #expect(items["data"]?[0]?["id"]?.stringValue?.hasPrefix("msg_") == true)
                let deleted = try await sim.json("DELETE", "/v1/conversations/\(id)")
                #expect(deleted == ["id": .string(id), "object": "conversation.deleted", "deleted": true])
                let gone = try await sim.call("GET", "/v1/conversations/\(id)")
                #expect(gone.status == 404)
                #expect(gone.error?["message"] == .string("Conversation with id '\(id)' not found."))
                #expect(try await sim.stats()["conversations_created"] == 1)
            }
        }

        @Test func itemsPaginateInBothOrders() async throws {
            try await withSimulator { sim in
                let id = try await sim.json("POST", "/v1/conversations", [:])["id"]!.stringValue!
                let texts = (0..<5).map { JSONValue.object(["type": "message", "role": "user", "content": .string("m\($0)")]) }
                let added = try await sim.json("POST", "/v1/conversations/\(id)/items", ["items": .array(texts)])
                #expect(added["object"] == "list")
                #expect(added["has_more"] == false)
                let all = added.ids
                #expect(all.count == 5)
                #expect(added["first_id"] == .string(all[0]))
                #expect(added["last_id"] == .string(all[4]))

                let asc1 = try await sim.json("GET", "/v1/conversations/\(id)/items?order=asc&limit=2")
                #expect(asc1.ids == Array(all[0..<2]))
                #expect(asc1["has_more"] == true)
                let asc2 = try await sim.json("GET", "/v1/conversations/\(id)/items?order=asc&limit=2&after=\(all[1])")
                #expect(asc2.ids == Array(all[2..<4]))
                let asc3 = try await sim.json("GET", "/v1/conversations/\(id)/items?order=asc&limit=2&after=\(all[3])")
                #expect(asc3.ids == [all[4]])
                #expect(asc3["has_more"] == false)

                let desc1 = try await sim.json("GET", "/v1/conversations/\(id)/items?limit=3&include=message.output_text.logprobs")
                #expect(desc1.ids == [all[4], all[3], all[2]])
                #expect(desc1["has_more"] == true)
                #expect(desc1["first_id"] == .string(all[4]))
                #expect(desc1["last_id"] == .string(all[2]))
                let desc2 = try await sim.json("GET", "/v1/conversations/\(id)/items?limit=3&after=\(all[2])")
                #expect(desc2.ids == [all[1], all[0]])
                #expect(desc2["has_more"] == false)

                #expect(try await sim.json("GET", "/v1/conversations/\(id)/items/\(all[2])")["content"]?[0]?["text"] == "m2")
                let after = try await sim.json("DELETE", "/v1/conversations/\(id)/items/\(all[2])")
                #expect(after["object"] == "conversation")
                #expect(try await sim.json("GET", "/v1/conversations/\(id)/items?order=asc").ids.count == 4)
                let missing = try await sim.call("GET", "/v1/conversations/\(id)/items/\(all[2])")
                #expect(missing.status == 404)
                #expect(missing.error?["message"] == .string("Item with id '\(all[2])' not found."))
            }
        }

        @Test func metadataLimitsAndValidation() async throws {
            try await withSimulator { sim in
                var many = JSONObject()
                for index in 0..<17 { many["k\(index)"] = "v" }
                let tooMany = try await sim.call("POST", "/v1/conversations", ["metadata": .object(many)])
                #expect(tooMany.status == 400)
                #expect(tooMany.error?["code"] == "object_above_max_properties")
                #expect(tooMany.error?["param"] == "metadata")
                let longKey = try await sim.call(
                    "POST", "/v1/conversations", ["metadata": .object([String(repeating: "k", count: 65): "v"])])
                #expect(longKey.error?["code"] == "string_above_max_length")
                let id = try await sim.json("POST", "/v1/conversations", [:])["id"]!.stringValue!
                let longValue = try await sim.call(
                    "POST", "/v1/conversations/\(id)", ["metadata": ["k": .string(String(repeating: "v", count: 513))]])
                #expect(longValue.status == 400)
                #expect(longValue.error?["param"] == "metadata.k")
                let unknown = try await sim.call("POST", "/v1/conversations", ["title": "x"])
                #expect(unknown.error?["code"] == "unknown_parameter")
                let badRole = try await sim.call(
                    "POST", "/v1/conversations/\(id)/items", ["items": [["type": "message", "role": "robot", "content": "x"]]])
                #expect(badRole.error?["param"] == "items[0].role")
                let tooManyItems = try await sim.call(
                    "POST", "/v1/conversations/\(id)/items",
                    ["items": .array(Array(repeating: ["role": "user", "content": "x"], count: 21))])
                #expect(tooManyItems.error?["code"] == "array_above_max_length")
            }
        }

        @Test func keyIsRequiredAndUnknownIdsAre404() async throws {
            try await withSimulator { sim in
                let noKey = try await sim.call("POST", "/v1/conversations", [:], key: nil, beta: false)
                #expect(noKey.status == 401)
                let wrong = try await sim.call("GET", "/v1/responses/resp_x", key: "sk-wrong-key-123456", beta: false)
                #expect(wrong.status == 401)
                #expect(wrong.error?["code"] == "invalid_api_key")
                for target in [
                    "/v1/conversations/conv_nope", "/v1/conversations/conv_nope/items", "/v1/responses/resp_nope",
                    "/v1/responses/resp_nope/input_items",
                ] {
                    let response = try await sim.call("GET", target)
                    #expect(response.status == 404, "\(target)")
                }
                #expect(try await sim.call("POST", "/v1/responses/resp_nope/cancel").status == 404)
                #expect(try await sim.call("DELETE", "/v1/responses/resp_nope").status == 404)
                let missing = try await sim.call("POST", "/v1/responses", ["model": "gpt-4o", "conversation": "conv_nope", "input": "x"])
                #expect(missing.status == 404)
            }
        }

        @Test func faultHeaderAppliesToNewRoutes() async throws {
            try await withSimulator { sim in
                let limited = try await sim.call(
                    "POST", "/v1/conversations", [:], headers: [("X-Simulator-Fault", "429,retry-after=3")], beta: false)
                #expect(limited.status == 429)
                #expect(limited["retry-after"] == "3")
                let failed = try await sim.call("POST", "/v1/responses", ["input": "x"], headers: [("X-Simulator-Fault", "503")])
                #expect(failed.status == 503)
                let stats = try await sim.stats()
                #expect(stats["conversations_created"] == 0)
                #expect(stats["responses_created"] == 0)
                #expect(stats["requests"]?["faults_injected"]?["status_429"] == 1)
                #expect(stats["requests"]?["by_route"]?["POST /v1/conversations"]?["429"] == 1)
            }
        }
    }
}
