import DatabaseTestSupport
import JSON
import Testing
import TestSupport

/// The admin API over the same stack: users, their threads and usage, deletion, assistants.
@Suite(.enabled(if: databaseTestsEnabled), .serialized)
struct GatewayAdminTests {
    @Test func usersListWithPrefixPaginationAndCounts() async throws {
        try await withGatewayStack { stack in
            let admin = try stack.token("root", admin: true)
            for user in ["team_a1", "team_a2", "team_b1", "team_%x", "solo"] {
                let token = try stack.token(user)
                _ = try await stack.object("POST", "/v1/threads", token: token, json: [:])
            }
            _ = try await stack.object("POST", "/v1/threads", token: try stack.token("team_a1"), json: [:])

            let first = try await stack.object("GET", "/admin/v1/users?prefix=team_a&limit=1", token: admin)
            #expect(first["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == ["team_a1"])
            #expect(first["data"]?[0]?["thread_count"] == 2)
            #expect(first["data"]?[0]?["role"] == "user")
            #expect(first["has_more"] == true)
            let second = try await stack.object("GET", "/admin/v1/users?prefix=team_a&limit=1&after=team_a1", token: admin)
            #expect(second["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == ["team_a2"])
            #expect(second["has_more"] == false)
            // LIKE wildcards in the prefix match themselves only.
            let literal = try await stack.object("GET", "/admin/v1/users?prefix=team_%25", token: admin)
            #expect(literal["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == ["team_%x"])
            let all = try await stack.object("GET", "/admin/v1/users?limit=100", token: admin)
            #expect(all["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue }.contains("root") == true)
            #expect(all["data"]?.arrayValue?.first { $0["id"] == "root" }?["role"] == "admin")
        }
    }

    @Test func adminReadsAnyThreadAndItsMessages() async throws {
        try await withGatewayStack { stack in
            let admin = try stack.token("root", admin: true)
            let alice = try stack.token("alice")
            let thread = try #require(try await stack.object("POST", "/v1/threads", token: alice, json: ["title": "A"])["id"]?.stringValue)
            _ = try await stack.object("POST", "/v1/threads/\(thread)/messages", token: alice, json: ["role": "user", "content": "note"])

            let threads = try await stack.object("GET", "/admin/v1/users/alice/threads", token: admin)
            #expect(threads["data"]?[0]?["id"] == .string(thread))
            #expect(threads["data"]?[0]?["owner"] == "alice")
            let one = try await stack.object("GET", "/admin/v1/threads/\(thread)", token: admin)
            #expect(one["owner"] == "alice")
            #expect(one["title"] == "A")
            let messages = try await stack.object("GET", "/admin/v1/threads/\(thread)/messages", token: admin)
            #expect(messages["data"]?[0]?["thread_id"] == .string(thread))
            #expect(messages["data"]?.arrayValue?.count == 1)
            #expect(try await stack.call("GET", "/admin/v1/users/nobody/threads", token: admin).status == 404)
            #expect(try await stack.call("GET", "/admin/v1/users/nobody/usage", token: admin).status == 404)
            #expect(try await stack.call("GET", "/admin/v1/threads/thr_none", token: admin).status == 404)
        }
    }

    @Test func usageCountsRunsAndTokens() async throws {
        try await withGatewayStack { stack in
            let admin = try stack.token("root", admin: true)
            let alice = try stack.token("alice")
            let thread = try #require(try await stack.object("POST", "/v1/threads", token: alice, json: [:])["id"]?.stringValue)
            var expectedTokens: Int64 = 0
            for text in ["first question", "second, longer question"] {
                let run = try await stack.object(
                    "POST", "/v1/threads/\(thread)/runs", token: alice,
                    json: ["additional_messages": [["role": "user", "content": .string(text)]]])
                let final = try await pollRun(stack, token: alice, thread: thread, run: try #require(run["id"]?.stringValue))
                expectedTokens += Int64(final["usage"]?["total_tokens"]?.intValue ?? 0)
            }
            #expect(expectedTokens > 0)
            let usage = try await stack.object("GET", "/admin/v1/users/alice/usage", token: admin)
            #expect(usage["object"] == "user.usage")
            #expect(usage["runs"]?["total"] == 2)
            #expect(usage["runs"]?["by_status"]?["completed"] == 2)
            #expect(usage["usage"]?["total_tokens"]?.intValue.map(Int64.init) == expectedTokens)
        }
    }

    @Test func deletingAUserRemovesTheirThreadsUpstreamAndIsRepeatable() async throws {
        try await withGatewayStack { stack in
            let admin = try stack.token("root", admin: true)
            let alice = try stack.token("alice")
            var upstreamIDs: [String] = []
            for _ in 0..<3 {
                let thread = try #require(try await stack.object("POST", "/v1/threads", token: alice, json: [:])["id"]?.stringValue)
                upstreamIDs.append(try await upstreamThreadID(stack, thread))
            }
            let bobThread = try #require(
                try await stack.object("POST", "/v1/threads", token: try stack.token("bob"), json: [:])["id"]?.stringValue)

            let deleted = try await stack.object("DELETE", "/admin/v1/users/alice", token: admin)
            #expect(deleted == ["id": "alice", "object": "user.deleted", "deleted": true, "threads_deleted": 3])
            for id in upstreamIDs {
                #expect(try await upstreamCall(stack, "/v1/threads/\(id)").status == 404)
            }
            #expect(try await stack.call("GET", "/admin/v1/users/alice/threads", token: admin).status == 404)
            let again = try await stack.object("DELETE", "/admin/v1/users/alice", token: admin)
            #expect(again["threads_deleted"] == 0)
            // Bob is untouched; alice comes back as a new, empty user on her next request.
            #expect(try await stack.call("GET", "/v1/threads/\(bobThread)", token: try stack.token("bob")).status == 200)
            let list = try await stack.object("GET", "/v1/threads", token: alice)
            #expect(list["data"]?.arrayValue?.isEmpty == true)
        }
    }

    @Test func interruptedUserDeletionResumes() async throws {
        try await withGatewayStack { stack in
            let admin = try stack.token("root", admin: true)
            let alice = try stack.token("alice")
            let first = try #require(try await stack.object("POST", "/v1/threads", token: alice, json: [:])["id"]?.stringValue)
            let second = try #require(try await stack.object("POST", "/v1/threads", token: alice, json: [:])["id"]?.stringValue)
            // As if a deletion stopped after the first thread's upstream delete.
            let firstUpstream = try await upstreamThreadID(stack, first)
            let direct = try await send(
                "DELETE", "/v1/threads/\(firstUpstream)", port: stack.simulator.port,
                headers: [("Authorization", "Bearer \(GatewayStack.upstreamKey)"), ("OpenAI-Beta", "assistants=v2")])
            #expect(direct.status == 200)
            let secondUpstream = try await upstreamThreadID(stack, second)
            let deleted = try await stack.object("DELETE", "/admin/v1/users/alice", token: admin)
            #expect(deleted["threads_deleted"] == 2)
            #expect(try await upstreamCall(stack, "/v1/threads/\(secondUpstream)").status == 404)
            #expect(try await rowCount(stack, "threads") == 0)
        }
    }

    @Test func assistantsAreManagedThroughTheAdminAPI() async throws {
        try await withGatewayStack { stack in
            let admin = try stack.token("root", admin: true)
            let created = try await stack.object(
                "POST", "/admin/v1/assistants", token: admin, json: ["model": "gpt-4o", "name": "Helper", "metadata": ["team": "x"]])
            let id = try #require(created["id"]?.stringValue)
            let fetched = try await stack.object("GET", "/admin/v1/assistants/\(id)", token: admin)
            #expect(fetched["name"] == "Helper")
            let modified = try await stack.object("POST", "/admin/v1/assistants/\(id)", token: admin, json: ["name": "Renamed"])
            #expect(modified["name"] == "Renamed")
            let list = try await stack.object("GET", "/admin/v1/assistants?limit=100", token: admin)
            #expect(list["data"]?.arrayValue?.contains { $0["id"] == .string(id) } == true)
            let deleted = try await stack.object("DELETE", "/admin/v1/assistants/\(id)", token: admin)
            #expect(deleted["deleted"] == true)
            let gone = try await stack.call("GET", "/admin/v1/assistants/\(id)", token: admin)
            #expect(gone.status == 404)
            let bad = try await stack.call("POST", "/admin/v1/assistants", token: admin, json: ["name": "no model"])
            #expect(bad.status == 400)
        }
    }

    @Test func withoutADatabaseTheAPIAnswers503() async throws {
        let config = try testConfiguration(databaseURL: nil, environment: ["AUTH_JWT_SECRET": GatewayStack.secret])
        try await withGateway(config) { port in
            let token = try TokenMinterShortcut.token(secret: GatewayStack.secret, user: "alice")
            let response = try await send("GET", "/v1/threads", port: port, headers: [("Authorization", "Bearer \(token)")])
            #expect(response.status == 503)
            #expect(try response.json()["error"]?["code"] == "database_not_configured")
        }
    }
}
