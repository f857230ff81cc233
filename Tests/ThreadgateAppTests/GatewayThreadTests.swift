import DatabaseTestSupport
import JSON
import Postgres
import Testing
import TestSupport
import UpstreamAPI

/// The gateway end to end: real PostgreSQL, the simulator as upstream over HTTP, the gateway
/// over real sockets, tokens signed like a deployment's.
@Suite(.enabled(if: databaseTestsEnabled), .serialized)
struct GatewayThreadTests {
    @Test(arguments: DialectKind.allCases) func threadLifecycleKeepsOwnerKeysUpstreamAndHidesThem(dialect: DialectKind) async throws {
        try await withGatewayStack(dialect: dialect) { stack in
            let alice = try stack.token("alice")
            let created = try await stack.object(
                "POST", "/v1/threads", token: alice, json: ["metadata": ["topic": "billing"], "title": "Invoice"])
            let id = try #require(created["id"]?.stringValue)
            #expect(id.hasPrefix("thr_"))
            #expect(created["object"] == "thread")
            #expect(created["metadata"] == ["topic": "billing"])
            #expect(created["title"] == "Invoice")

            // Upstream, the thread carries the owner keys the client never sees.
            let upstreamID = try await upstreamThreadID(stack, id)
            let upstreamPath = (dialect == .assistants ? "/v1/threads/" : "/v1/conversations/") + upstreamID
            let upstream = try await upstreamGet(stack, upstreamPath)
            #expect(upstream["metadata"]?["threadgate_owner"] == "alice")
            #expect(upstream["metadata"]?["threadgate_thread"] == .string(id))
            #expect(upstream["metadata"]?["topic"] == "billing")

            let fetched = try await stack.object("GET", "/v1/threads/\(id)", token: alice)
            #expect(fetched["metadata"] == ["topic": "billing"])

            let modified = try await stack.object(
                "POST", "/v1/threads/\(id)", token: alice, json: ["metadata": ["topic": "refunds"], "title": .null])
            #expect(modified["metadata"] == ["topic": "refunds"])
            #expect(modified["title"] == .null)
            let upstreamAfter = try await upstreamGet(stack, upstreamPath)
            #expect(upstreamAfter["metadata"]?["topic"] == "refunds")
            #expect(upstreamAfter["metadata"]?["threadgate_owner"] == "alice")

            let deleted = try await stack.object("DELETE", "/v1/threads/\(id)", token: alice)
            #expect(deleted == ["id": .string(id), "object": "thread.deleted", "deleted": true])
            let gone = try await stack.call("GET", "/v1/threads/\(id)", token: alice)
            #expect(gone.status == 404)
            let upstreamGone = try await upstreamCall(stack, upstreamPath)
            #expect(upstreamGone.status == 404)
            let list = try await stack.object("GET", "/v1/threads", token: alice)
            #expect(list["data"]?.arrayValue?.isEmpty == true)
        }
    }

    @Test(arguments: DialectKind.allCases) func threadBodiesAreChecked(dialect: DialectKind) async throws {
        try await withGatewayStack(dialect: dialect) { stack in
            let alice = try stack.token("alice")
            var tooMany = JSONObject()
            for index in 0..<15 { tooMany["k\(index)"] = "v" }
            let cases: [(JSONValue, String)] = [
                (["metadata": ["threadgate_owner": "mallory"]], "metadata.threadgate_owner"),
                (["metadata": .object(tooMany)], "metadata"),
                (["metadata": ["k": .string(String(repeating: "x", count: 513))]], "metadata.k"),
                (["metadata": ["k": 5]], "metadata.k"),
                (["metadata": "text"], "metadata"),
                (["title": .string(String(repeating: "t", count: 257))], "title"),
                (["tool_resources": [:]], "tool_resources"),
            ]
            for (body, param) in cases {
                let response = try await stack.call("POST", "/v1/threads", token: alice, json: body)
                #expect(response.status == 400, "\(body)")
                #expect(try response.json()["error"]?["param"] == .string(param), "\(response.text)")
            }
            let notJSON = try await send(
                "POST", "/v1/threads", port: stack.port, headers: [("Authorization", "Bearer \(alice)")], body: Array("{nope".utf8))
            #expect(notJSON.status == 400)
            // Nothing was created by the refused requests, here or upstream.
            let list = try await stack.object("GET", "/v1/threads", token: alice)
            #expect(list["data"]?.arrayValue?.isEmpty == true)
            #expect(try await rowCount(stack, "threads") == 0)
        }
    }

    @Test(arguments: DialectKind.allCases) func threadsListNewestActivityFirstAcrossPages(dialect: DialectKind) async throws {
        try await withGatewayStack(dialect: dialect) { stack in
            let alice = try stack.token("alice")
            var ids: [String] = []
            for index in 0..<5 {
                let thread = try await stack.object("POST", "/v1/threads", token: alice, json: ["title": .string("t\(index)")])
                ids.append(try #require(thread["id"]?.stringValue))
            }
            _ = try await stack.object("POST", "/v1/threads", token: try stack.token("bob"), json: [:])
            // Activity on the oldest thread moves it to the front.
            _ = try await stack.object(
                "POST", "/v1/threads/\(ids[0])/messages", token: alice, json: ["role": "user", "content": "bump"])
            let expected = [ids[0], ids[4], ids[3], ids[2], ids[1]]

            var seen: [String] = []
            var after: String?
            var pages = 0
            repeat {
                let query = after.map { "?limit=2&after=\($0)" } ?? "?limit=2"
                let page = try await stack.object("GET", "/v1/threads\(query)", token: alice)
                let pageIDs = page["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
                seen += pageIDs
                #expect(page["first_id"] == (pageIDs.first.map(JSONValue.string) ?? .null))
                #expect(page["last_id"] == (pageIDs.last.map(JSONValue.string) ?? .null))
                after = page["has_more"] == true ? pageIDs.last : nil
                pages += 1
            } while after != nil && pages < 10
            #expect(seen == expected)
            #expect(pages == 3)

            let before = try await stack.object("GET", "/v1/threads?limit=2&before=\(ids[2])", token: alice)
            #expect(before["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [ids[4], ids[3]])
            #expect(before["has_more"] == true)

            let bad = try await stack.call("GET", "/v1/threads?after=thr_unknown", token: alice)
            #expect(bad.status == 400)
            let bobsCursor = try await stack.call("GET", "/v1/threads?limit=101", token: alice)
            #expect(bobsCursor.status == 400)
        }
    }

    @Test(arguments: DialectKind.allCases) func messagesAndRunsRoundTripWithTheDefaultAssistant(dialect: DialectKind) async throws {
        try await withGatewayStack(dialect: dialect) { stack in
            let alice = try stack.token("alice")
            let thread = try await stack.object("POST", "/v1/threads", token: alice, json: [:])
            let id = try #require(thread["id"]?.stringValue)
            let message = try await stack.object(
                "POST", "/v1/threads/\(id)/messages", token: alice, json: ["role": "user", "content": "hello gateway"])
            #expect(message["thread_id"] == .string(id))
            let messageID = try #require(message["id"]?.stringValue)
            let again = try await stack.object("GET", "/v1/threads/\(id)/messages/\(messageID)", token: alice)
            #expect(again["id"] == .string(messageID))

            let run = try await stack.object("POST", "/v1/threads/\(id)/runs", token: alice, json: [:])
            #expect(run["assistant_id"] == "asst_default")
            #expect(run["thread_id"] == .string(id))
            let runID = try #require(run["id"]?.stringValue)
            let final = try await pollRun(stack, token: alice, thread: id, run: runID)
            #expect(final["status"] == "completed")

            let messages = try await stack.object("GET", "/v1/threads/\(id)/messages?order=asc", token: alice)
            let items = try #require(messages["data"]?.arrayValue)
            #expect(items.count == 2)
            #expect(items.last?["role"] == "assistant")
            #expect(items.last?["content"]?[0]?["text"]?["value"]?.stringValue?.contains("hello gateway") == true)
            let afterFirst = try await stack.object(
                "GET", "/v1/threads/\(id)/messages?order=asc&after=\(messageID)", token: alice)
            #expect(afterFirst["data"]?.arrayValue?.count == 1)
            let byRun = try await stack.object("GET", "/v1/threads/\(id)/messages?run_id=\(runID)", token: alice)
            #expect(byRun["data"]?.arrayValue?.count == 1)

            let runs = try await stack.object("GET", "/v1/threads/\(id)/runs", token: alice)
            #expect(runs["data"]?.arrayValue?.first?["id"] == .string(runID))
            let steps = try await stack.object("GET", "/v1/threads/\(id)/runs/\(runID)/steps", token: alice)
            let stepID = try #require(steps["data"]?.arrayValue?.first?["id"]?.stringValue)
            let step = try await stack.object("GET", "/v1/threads/\(id)/runs/\(runID)/steps/\(stepID)", token: alice)
            #expect(step["thread_id"] == .string(id))

            // The run is recorded with its final status and usage.
            let rows = try await query(
                stack, PostgresQuery("SELECT status, usage IS NOT NULL, thread_id FROM runs WHERE upstream_run_id = $1", runID))
            #expect(try rows.first?.decode(column: 0, as: String.self) == "completed")
            #expect(try rows.first?.decode(column: 1, as: Bool.self) == true)
            #expect(try rows.first?.decode(column: 2, as: String.self) == id)
        }
    }

    @Test(arguments: DialectKind.allCases) func assistantsComeFromTheAllowList(dialect: DialectKind) async throws {
        try await withGatewayStack(dialect: dialect) { stack in
            let alice = try stack.token("alice")
            let thread = try await stack.object("POST", "/v1/threads", token: alice, json: [:])
            let id = try #require(thread["id"]?.stringValue)
            let refused = try await stack.call("POST", "/v1/threads/\(id)/runs", token: alice, json: ["assistant_id": "asst_other"])
            #expect(refused.status == 400)
            #expect(try refused.json()["error"]?["code"] == "assistant_not_allowed")
            let streaming = try await stack.call("POST", "/v1/threads/\(id)/runs", token: alice, json: ["stream": true])
            #expect(streaming.status == 400)
            let unknown = try await stack.call("POST", "/v1/threads/\(id)/runs", token: alice, json: ["bogus": 1])
            #expect(unknown.status == 400)
            #expect(try unknown.json()["error"]?["param"] == "bogus")
            #expect(try await rowCount(stack, "runs") == 0)

            let list = try await stack.object("GET", "/v1/assistants", token: alice)
            #expect(list["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == ["asst_default", "asst_tools"])
        }
    }

    @Test(arguments: DialectKind.allCases) func toolCallRoundTripWithTwoParallelCalls(dialect: DialectKind) async throws {
        try await withGatewayStack(dialect: dialect) { stack in
            let alice = try stack.token("alice")
            let thread = try await stack.object("POST", "/v1/threads", token: alice, json: [:])
            let id = try #require(thread["id"]?.stringValue)
            _ = try await stack.object(
                "POST", "/v1/threads/\(id)/messages", token: alice,
                json: ["role": "user", "content": "Use get_weather and get_time for Oslo"])
            let run = try await stack.object("POST", "/v1/threads/\(id)/runs", token: alice, json: ["assistant_id": "asst_tools"])
            let runID = try #require(run["id"]?.stringValue)
            let waiting = try await pollRun(stack, token: alice, thread: id, run: runID)
            #expect(waiting["status"] == "requires_action")
            let calls = try #require(waiting["required_action"]?["submit_tool_outputs"]?["tool_calls"]?.arrayValue)
            #expect(calls.count == 2)
            let outputs: [JSONValue] = calls.map { call in
                ["tool_call_id": call["id"] ?? .null, "output": .string("out-\(call["function"]?["name"]?.stringValue ?? "")")]
            }
            let submitted = try await stack.object(
                "POST", "/v1/threads/\(id)/runs/\(runID)/submit_tool_outputs", token: alice, json: ["tool_outputs": .array(outputs)])
            #expect(submitted["thread_id"] == .string(id))
            let final = try await pollRun(stack, token: alice, thread: id, run: runID)
            #expect(final["status"] == "completed")
            let messages = try await stack.object("GET", "/v1/threads/\(id)/messages", token: alice)
            let reply = messages["data"]?[0]?["content"]?[0]?["text"]?["value"]?.stringValue ?? ""
            #expect(reply.contains("out-get_weather"), "\(reply)")
        }
    }

    @Test(arguments: DialectKind.allCases) func cancelledRunIsRecorded(dialect: DialectKind) async throws {
        try await withGatewayStack(timing: .init(queuedMillis: 10, workMillis: 2000, cancelMillis: 10), dialect: dialect) { stack in
            let alice = try stack.token("alice")
            let thread = try await stack.object("POST", "/v1/threads", token: alice, json: [:])
            let id = try #require(thread["id"]?.stringValue)
            let run = try await stack.object(
                "POST", "/v1/threads/\(id)/runs", token: alice,
                json: ["additional_messages": [["role": "user", "content": "take your time"]]])
            let runID = try #require(run["id"]?.stringValue)
            let cancelling = try await stack.object("POST", "/v1/threads/\(id)/runs/\(runID)/cancel", token: alice)
            #expect(cancelling["status"] == "cancelling" || cancelling["status"] == "cancelled")
            let final = try await pollRun(stack, token: alice, thread: id, run: runID)
            #expect(final["status"] == "cancelled")
            let rows = try await query(stack, PostgresQuery("SELECT status FROM runs WHERE upstream_run_id = $1", runID))
            #expect(try rows.first?.decode(column: 0, as: String.self) == "cancelled")
        }
    }
}

// MARK: Helpers

/// Polls a run through the gateway until it leaves queued/in_progress/cancelling (10 s at most).
func pollRun(_ stack: GatewayStack, token: String, thread: String, run: String) async throws -> JSONValue {
    for _ in 0..<400 {
        let current = try await stack.object("GET", "/v1/threads/\(thread)/runs/\(run)", token: token)
        let status = current["status"]?.stringValue ?? ""
        if !["queued", "in_progress", "cancelling"].contains(status) { return current }
        try await Task.sleep(for: .milliseconds(25))
    }
    throw ClientError(description: "run \(run) did not settle")
}

/// A query on the stack's database, on a connection of its own.
func query(_ stack: GatewayStack, _ query: PostgresQuery) async throws -> PostgresRows {
    let connection = try await stack.database.connect()
    do {
        let rows = try await connection.query(query)
        await connection.close()
        return rows
    } catch {
        await connection.close()
        throw error
    }
}

func rowCount(_ stack: GatewayStack, _ table: String) async throws -> Int {
    let rows = try await query(stack, PostgresQuery(unsafeSQL: "SELECT count(*)::bigint FROM \(table)"))
    return Int(try rows.first?.decode(column: 0, as: Int64.self) ?? -1)
}

func upstreamThreadID(_ stack: GatewayStack, _ id: String) async throws -> String {
    let rows = try await query(stack, PostgresQuery("SELECT upstream_thread_id FROM threads WHERE id = $1", id))
    return try #require(try rows.first?.decode(column: 0, as: String.self))
}

/// A call straight to the simulator with the upstream key.
func upstreamCall(_ stack: GatewayStack, _ path: String) async throws -> TestResponse {
    try await send(
        "GET", path, port: stack.simulator.port,
        headers: [("Authorization", "Bearer \(GatewayStack.upstreamKey)"), ("OpenAI-Beta", "assistants=v2")])
}

func upstreamGet(_ stack: GatewayStack, _ path: String) async throws -> JSONValue {
    let response = try await upstreamCall(stack, path)
    #expect(response.status == 200, "\(path): \(response.text)")
    return try response.json()
}
