import JSON
import Simulator
import Testing
import TestSupport

extension SimulatorSocketTests {
    @Suite struct Resources {
        @Test func assistantsCRUDAndList() async throws {
            try await withSimulator { sim in
                let defaults = try await sim.json("GET", "/v1/assistants?order=asc")
                #expect(defaults.ids == ["asst_default", "asst_tools"])
                #expect(defaults["object"] == "list")
                let created = try await sim.json(
                    "POST", "/v1/assistants",
                    ["model": "gpt-4o", "name": "Tutor", "tools": [["type": "code_interpreter"]], "metadata": ["team": "a"]])
                let id = created["id"]!.stringValue!
                #expect(created["object"] == "assistant")
                #expect(try await sim.json("GET", "/v1/assistants/\(id)") == created)
                let modified = try await sim.json("POST", "/v1/assistants/\(id)", ["instructions": "Be kind."])
                #expect(modified["instructions"] == "Be kind.")
                let page = try await sim.json("GET", "/v1/assistants?limit=2")
                #expect(page.ids == [id, "asst_tools"])
                #expect(page["has_more"] == true)
                let next = try await sim.json("GET", "/v1/assistants?limit=2&after=asst_tools")
                #expect(next.ids == ["asst_default"])
                #expect(next["has_more"] == false)
                let deleted = try await sim.json("DELETE", "/v1/assistants/\(id)")
                #expect(deleted == ["id": .string(id), "object": "assistant.deleted", "deleted": true])
                let gone = try await sim.call("GET", "/v1/assistants/\(id)")
                #expect(gone.status == 404)
                #expect(gone.error?["message"]?.stringValue == "No assistant found with id '\(id)'.")
            }
        }

        @Test func threadsCreateRetrieveModifyDelete() async throws {
            try await withSimulator { sim in
                let created = try await sim.json(
                    "POST", "/v1/threads",
                    ["metadata": ["owner": "user-1"], "messages": [["role": "user", "content": "first"]]])
                let id = created["id"]!.stringValue!
                #expect(id.hasPrefix("thread_") && id.count == "thread_".count + 24)
                #expect(created.objectValue?.keys == ["id", "object", "created_at", "metadata", "tool_resources"])
                #expect(try await sim.json("GET", "/v1/threads/\(id)") == created)
                let modified = try await sim.json("POST", "/v1/threads/\(id)", ["metadata": ["owner": "user-1", "title": "T"]])
                #expect(modified["metadata"]?["title"] == "T")
                let messages = try await sim.json("GET", "/v1/threads/\(id)/messages")
                #expect(messages["data"]?[0]?.messageText == "first")
                let messageID = messages["data"]![0]!["id"]!.stringValue!
                #expect(try await sim.json("GET", "/v1/threads/\(id)/messages/\(messageID)")["id"]?.stringValue == messageID)
                #expect(try await sim.json("DELETE", "/v1/threads/\(id)")["deleted"] == true)
                #expect(try await sim.call("GET", "/v1/threads/\(id)").status == 404)
                #expect(try await sim.call("GET", "/v1/threads/\(id)/messages").status == 404)
            }
        }

        @Test func messagePaginationAcrossPagesBothDirections() async throws {
            try await withSimulator { sim in
                let thread = try await sim.json("POST", "/v1/threads", [:])["id"]!.stringValue!
                var ids: [String] = []
                for index in 0..<25 {
                    let message = try await sim.json(
                        "POST", "/v1/threads/\(thread)/messages", ["role": "user", "content": .string("m\(index)")])
                    ids.append(message["id"]!.stringValue!)
                }
                // Default: 20, newest first.
                let first = try await sim.json("GET", "/v1/threads/\(thread)/messages")
                #expect(first.ids == Array(ids.reversed().prefix(20)))
                #expect(first["has_more"] == true)
                // Forward through all pages with `after`, as the SDK pages.
                var seen: [String] = []
                var cursor: String?
                repeat {
                    let target = "/v1/threads/\(thread)/messages?limit=7&order=asc" + (cursor.map { "&after=\($0)" } ?? "")
                    let page = try await sim.json("GET", target)
                    seen += page.ids
                    cursor = page["has_more"] == true ? page["last_id"]?.stringValue : nil
                } while cursor != nil
                #expect(seen == ids)
                // Backward with `before`.
                var back: [String] = []
                var before: String? = ids[24]
                while let id = before {
                    let page = try await sim.json("GET", "/v1/threads/\(thread)/messages?limit=10&order=asc&before=\(id)")
                    back = page.ids + back
                    before = page["has_more"] == true ? page["first_id"]?.stringValue : nil
                }
                #expect(back == Array(ids[0..<24]))
                let bad = try await sim.call("GET", "/v1/threads/\(thread)/messages?limit=101")
                #expect(bad.status == 400)
                #expect(bad.error?["param"] == "limit")
                let order = try await sim.call("GET", "/v1/threads/\(thread)/messages?order=up")
                #expect(order.error?["message"] == "Invalid value: 'up'. Supported values are: 'asc' and 'desc'.")
            }
        }

        @Test func metadataLimitsAndUnknownFieldsOverHTTP() async throws {
            try await withSimulator { sim in
                let seventeen = JSONValue.object(JSONObject((0..<17).map { ("k\($0)", JSONValue.string("v")) }))
                let tooMany = try await sim.call("POST", "/v1/threads", ["metadata": seventeen])
                #expect(tooMany.status == 400)
                #expect(tooMany.error?["type"] == "invalid_request_error")
                #expect(tooMany.error?["param"] == "metadata")
                let longValue = try await sim.call(
                    "POST", "/v1/threads", ["metadata": ["k": .string(String(repeating: "x", count: 513))]])
                #expect(longValue.status == 400)
                #expect(longValue.error?["code"] == "string_above_max_length")
                let unknown = try await sim.call("POST", "/v1/threads", ["title": "x"])
                #expect(unknown.status == 400)
                #expect(unknown.error?["message"] == "Unknown parameter: 'title'.")
                let broken = try await sim.call("POST", "/v1/threads", headers: [("Content-Type", "application/json")])
                #expect(broken.status == 200)  // an empty body is {}
                let notJSON = try await sim.callRaw("POST", "/v1/threads", body: "{nope")
                #expect(notJSON.status == 400)
                #expect(notJSON.error?["message"]?.stringValue?.hasPrefix("We could not parse the JSON body") == true)
                #expect(try await sim.stats()["threads_created"] == 1)
            }
        }
    }
}

extension SimHarness {
    /// Sends a raw body as given.
    func callRaw(_ method: String, _ target: String, body: String) async throws -> SimResponse {
        let port = port
        return try await onThread {
            try SimClient.send(
                port: port, method: method, target: target, body: Array(body.utf8),
                headers: [("Authorization", "Bearer \(SimHarness.apiKey)"), ("OpenAI-Beta", "assistants=v2")])
        }
    }
}
