import DatabaseTestSupport
import JSON
import Postgres
import Simulator
import Testing
import TestSupport
import UpstreamAPI
@testable import ThreadgateApp

#if canImport(Glibc)
import Glibc
#endif

/// Ask-and-wait end to end: outcomes, budgets, tool rounds, turn order, idempotency,
/// streaming, fallbacks, disconnects and shutdown.
@Suite(.enabled(if: databaseTestsEnabled), .serialized)
struct GatewayAskTests {
    static func newThread(_ stack: GatewayStack, _ token: String) async throws -> String {
        try #require(try await stack.object("POST", "/v1/threads", token: token, json: [:])["id"]?.stringValue)
    }

    @Test(arguments: DialectKind.allCases) func runOutcomesAreReportedFaithfully(dialect: DialectKind) async throws {
        try await withGatewayStack(dialect: dialect) { stack in
            let alice = try stack.token("alice")
            // Responses have no `expired`: the simulator ends an expiring response `failed`.
            let cases: [(String, String)] = [
                ("plain question", "completed"), ("please [[fail]]", "failed"),
                ("please [[expire]]", dialect == .assistants ? "expired" : "failed"),
                ("please [[cancel]]", "cancelled"), ("please [[incomplete]]", "incomplete"),
            ]
            for (text, status) in cases {
                let response = try await stack.call("POST", "/v1/ask", token: alice, json: ["content": .string(text), "wait_ms": 10_000])
                #expect(response.status == 200, "\(text): \(response.text)")
                let body = try response.json()
                #expect(body["status"] == .string(status), "\(text)")
                #expect(body["run"]?["status"] == .string(status))
                #expect(body["thread_id"]?.stringValue?.hasPrefix("thr_") == true)
                switch status {
                case "completed":
                    #expect(body["messages"]?.arrayValue?.count == 1)
                    #expect(body["messages"]?[0]?["content"]?[0]?["text"]?["value"]?.stringValue?.contains("plain question") == true)
                    // One streamed request for the whole run, whatever the dialect — two on Assistants
                    // when the reply has to be listed because the stream ended the run before
                    // delivering its message (the simulator's event order slips that way under
                    // sanitizer builds); a response always sends its message before it completes.
                    let requests = body["upstream_requests"]?.intValue ?? 0
                    #expect(requests == 1 || (dialect == .assistants && requests == 2), "\(requests)")
                case "failed":
                    #expect(body["run"]?["last_error"]?["code"] != nil)
                case "incomplete":
                    #expect(body["run"]?["incomplete_details"] != nil && body["run"]?["incomplete_details"] != .null)
                default:
                    break
                }
            }
            // Only the new assistant messages: a second ask on the same thread returns one message.
            let first = try await stack.object("POST", "/v1/ask", token: alice, json: ["content": "one"])
            let thread = try #require(first["thread_id"]?.stringValue)
            let second = try await stack.object("POST", "/v1/threads/\(thread)/ask", token: alice, json: ["content": "two"])
            #expect(second["messages"]?.arrayValue?.count == 1)
            #expect(second["messages"]?[0]?["content"]?[0]?["text"]?["value"]?.stringValue?.contains("two") == true)
            #expect(stack.simulator.stats.requests(withStatus: 400) == 0)
        }
    }

    @Test(arguments: DialectKind.allCases) func pastTheBudgetIs202ThenWaitingAgainGives200(dialect: DialectKind) async throws {
        try await withGatewayStack(dialect: dialect) { stack in
            let alice = try stack.token("alice")
            // The run lasts 4 s: the 409s below must find it still going, however slow the build.
            let response = try await stack.call("POST", "/v1/ask", token: alice, json: ["content": "slowly [[slow:4000]]", "wait_ms": 100])
            #expect(response.status == 202, "\(response.text)")
            let accepted = try response.json()
            let thread = try #require(accepted["thread_id"]?.stringValue)
            let runID = try #require(accepted["run"]?["id"]?.stringValue)
            #expect(accepted["messages"] == [])
            #expect(accepted["wait_url"] == .string("/v1/threads/\(thread)/runs/\(runID)/wait"))
            #expect(response[header: "location"] == "/v1/threads/\(thread)/runs/\(runID)/wait")

            // Meanwhile the thread is busy: plain calls get 409 with the run, not the upstream's 400.
            let busy = try await stack.call("POST", "/v1/threads/\(thread)/messages", token: alice, json: ["role": "user", "content": "x"])
            #expect(busy.status == 409)
            #expect(try busy.json()["error"]?["code"] == "thread_busy")
            #expect(try busy.json()["error"]?["active_run_id"] == .string(runID))
            let busyRun = try await stack.call("POST", "/v1/threads/\(thread)/runs", token: alice, json: [:])
            #expect(busyRun.status == 409)

            let done = try await stack.object("POST", "/v1/threads/\(thread)/runs/\(runID)/wait?wait_ms=10000", token: alice)
            #expect(done["status"] == "completed")
            #expect(done["messages"]?.arrayValue?.count == 1)
            // The thread is free again.
            let next = try await stack.call("POST", "/v1/threads/\(thread)/ask", token: alice, json: ["content": "again"])
            #expect(next.status == 200)
            #expect(stack.simulator.stats.requests(withStatus: 400) == 0)
        }
    }

    @Test(arguments: DialectKind.allCases) func toolRoundsWithTwoParallelCallsAndTwoRounds(dialect: DialectKind) async throws {
        try await withGatewayStack(dialect: dialect) { stack in
            let alice = try stack.token("alice")
            var answer = try await stack.object(
                "POST", "/v1/ask", token: alice,
                json: ["content": "get_weather and get_time please [[rounds:2]]", "assistant_id": "asst_tools"])
            let thread = try #require(answer["thread_id"]?.stringValue)
            let runID = try #require(answer["run"]?["id"]?.stringValue)
            var rounds = 0
            while answer["status"] == "requires_action", rounds < 4 {
                rounds += 1
                let calls = try #require(answer["tool_calls"]?.arrayValue)
                #expect(calls.count == 2)
                let outputs: [JSONValue] = calls.map { ["tool_call_id": $0["id"] ?? .null, "output": .string("r\(rounds)")] }
                answer = try await stack.object(
                    "POST", "/v1/threads/\(thread)/runs/\(runID)/submit_tool_outputs?wait_ms=10000", token: alice,
                    json: ["tool_outputs": .array(outputs)])
                #expect(answer["run"]?["id"] == .string(runID))
            }
            #expect(rounds == 2)
            #expect(answer["status"] == "completed")
            #expect(answer["messages"]?.arrayValue?.count == 1)
        }
    }

    @Test(arguments: DialectKind.allCases) func concurrentAsksOnOneThreadTakeTurns(dialect: DialectKind) async throws {
        try await withGatewayStack(dialect: dialect) { stack in
            let alice = try stack.token("alice")
            let thread = try await Self.newThread(stack, alice)
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<3 {
                    group.addTask {
                        try await stack.call(
                            "POST", "/v1/threads/\(thread)/ask", token: alice,
                            json: ["content": .string("turn \(index) [[slow:300]]"), "wait_ms": 15_000]
                        ).status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses == [200, 200, 200])
            let messages = try await stack.object("GET", "/v1/threads/\(thread)/messages?limit=100", token: alice)
            #expect(messages["data"]?.arrayValue?.count == 6)

            // A short budget behind a long run (long enough to outlast the refused ask on a loaded
            // machine): 409 thread_busy naming the run.
            let slow = try await stack.call(
                "POST", "/v1/threads/\(thread)/ask", token: alice, json: ["content": "long [[slow:5000]]", "wait_ms": 50])
            #expect(slow.status == 202)
            let runID = try slow.json()["run"]?["id"]
            let refused = try await stack.call("POST", "/v1/threads/\(thread)/ask", token: alice, json: ["content": "me too", "wait_ms": 200])
            #expect(refused.status == 409)
            #expect(try refused.json()["error"]?["code"] == "thread_busy")
            #expect(try refused.json()["error"]?["active_run_id"] == runID)
            #expect(stack.simulator.stats.requests(withStatus: 400) == 0, "the upstream's run-active 400 was reached")
        }
    }

    @Test(arguments: DialectKind.allCases) func twoGatewaysOnOneDatabaseShareAThread(dialect: DialectKind) async throws {
        try await withGatewayStack(dialect: dialect) { stack in
            try await withGateway(stack.config) { otherPort in
                let alice = try stack.token("alice")
                let thread = try await Self.newThread(stack, alice)
                let other = GatewayStack(
                    port: otherPort, server: stack.server, config: stack.config, simulator: stack.simulator, database: stack.database,
                    auth: stack.auth)
                let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                    for (index, gateway) in [stack, other, stack, other].enumerated() {
                        group.addTask {
                            try await gateway.call(
                                "POST", "/v1/threads/\(thread)/ask", token: alice,
                                json: ["content": .string("from \(index) [[slow:200]]"), "wait_ms": 20_000]
                            ).status
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(statuses == [200, 200, 200, 200])
                #expect(stack.simulator.stats.requests(withStatus: 400) == 0)
            }
        }
    }

    @Test(arguments: DialectKind.allCases) func idempotencyKeyReplaysAndRefusesADifferentBody(dialect: DialectKind) async throws {
        try await withGatewayStack(dialect: dialect) { stack in
            let alice = try stack.token("alice")
            let key = [("Idempotency-Key", "ask-1")]
            let body: JSONValue = ["content": "only once [[slow:300]]"]
            // Two at once: one runs, the other waits for it and gets the same answer.
            let (first, second) = try await withThrowingTaskGroup(of: TestResponse.self) { group in
                group.addTask { try await stack.call("POST", "/v1/ask", token: alice, json: body, headers: key) }
                group.addTask { try await stack.call("POST", "/v1/ask", token: alice, json: body, headers: key) }
                let a = try await group.next()!
                let b = try await group.next()!
                return (a, b)
            }
            #expect(first.status == 200 && second.status == 200)
            #expect(first.body == second.body)
            #expect([first, second].contains { $0[header: "idempotent-replayed"] == "true" })
            let third = try await stack.call("POST", "/v1/ask", token: alice, json: body, headers: key)
            #expect(third.body == first.body)
            #expect(try await rowCount(stack, "runs") == 1)
            #expect(try await rowCount(stack, "threads") == 1)

            let different = try await stack.call("POST", "/v1/ask", token: alice, json: ["content": "something else"], headers: key)
            #expect(different.status == 422)
            #expect(try different.json()["error"]?["code"] == "idempotency_key_reused")
            // Keys are per user: bob's same key is his own.
            let bob = try await stack.call("POST", "/v1/ask", token: try stack.token("bob"), json: body, headers: key)
            #expect(bob.status == 200)
            #expect(try await rowCount(stack, "runs") == 2)
            // A busy thread's 409 is not stored: the same key runs again once the thread is free.
            // The held run outlasts the busy ask's 2 s budget by far; 2 s is ample for the retry's run.
            let thread = try #require(try first.json()["thread_id"]?.stringValue)
            let slow = try await stack.call(
                "POST", "/v1/threads/\(thread)/ask", token: alice, json: ["content": "hold [[slow:5000]]", "wait_ms": 0])
            #expect(slow.status == 202)
            let retryKey = [("Idempotency-Key", "ask-busy")]
            let busyBody: JSONValue = ["content": "after the busy one", "wait_ms": 2000]
            let busy = try await stack.call("POST", "/v1/threads/\(thread)/ask", token: alice, json: busyBody, headers: retryKey)
            #expect(busy.status == 409)
            let waited = try await stack.call(
                "POST", "/v1/threads/\(thread)/runs/\(try #require(try slow.json()["run"]?["id"]?.stringValue))/wait?wait_ms=10000",
                token: alice)
            #expect(waited.status == 200)
            let retried = try await stack.call("POST", "/v1/threads/\(thread)/ask", token: alice, json: busyBody, headers: retryKey)
            #expect(retried.status == 200, "\(retried.text)")
            // Any POST: a thread creation replays too.
            let threadKey = [("Idempotency-Key", "thread-1")]
            let t1 = try await stack.call("POST", "/v1/threads", token: alice, json: [:], headers: threadKey)
            let t2 = try await stack.call("POST", "/v1/threads", token: alice, json: [:], headers: threadKey)
            #expect(t1.body == t2.body)
        }
    }

    @Test(arguments: DialectKind.allCases) func streamedAskRelaysEventsInOrder(dialect: DialectKind) async throws {
        try await withGatewayStack(dialect: dialect) { stack in
            let alice = try stack.token("alice")
            let response = try await stack.call("POST", "/v1/ask", token: alice, json: ["content": "stream this please", "stream": true])
            #expect(response.status == 200)
            #expect(response[header: "content-type"] == "text/event-stream")
            let events = serverSentEvents(response.text)
            let names = events.map(\.name)
            #expect(names.first == "run.status")
            #expect(names.last == "result")
            let firstDelta = try #require(names.firstIndex(of: "message.delta"))
            let completed = try #require(names.firstIndex(of: "message.completed"))
            #expect(firstDelta < completed)
            #expect(names.filter { $0 == "message.completed" }.count == 1)
            let text = events.filter { $0.name == "message.delta" }.compactMap { try? JSONValue(parsing: $0.data)["delta"]?.stringValue }
                .joined()
            #expect(text == "Echo: stream this please")
            let result = try JSONValue(parsing: try #require(events.last?.data))
            #expect(result["http_status"] == 200)
            #expect(result["status"] == "completed")
            #expect(result["messages"]?.arrayValue?.count == 1)
            // The run streamed to its end, its message included (see runOutcomesAreReportedFaithfully).
            let requests = result["upstream_requests"]?.intValue ?? 0
            #expect(requests == 1 || (dialect == .assistants && requests == 2), "\(requests)")
            // Accept: text/event-stream asks for the same.
            let accepted = try await stack.call(
                "POST", "/v1/ask", token: alice, json: ["content": "by header"], headers: [("Accept", "text/event-stream")])
            #expect(serverSentEvents(accepted.text).last?.name == "result")
        }
    }

    @Test(arguments: DialectKind.allCases) func aBrokenStreamFallsBackToPolling(dialect: DialectKind) async throws {
        var faults = FaultSettings()
        faults.streamDropRate = 1
        try await withGatewayStack(faults: faults, dialect: dialect) { stack in
            let alice = try stack.token("alice")
            let answer = try await stack.object("POST", "/v1/ask", token: alice, json: ["content": "survive the break", "wait_ms": 10_000])
            #expect(answer["status"] == "completed")
            #expect(answer["messages"]?.arrayValue?.count == 1)
            #expect((answer["upstream_requests"]?.intValue ?? 0) >= 3, "\(answer)")
        }
    }

    @Test(arguments: DialectKind.allCases) func pollingModeCountsItsRequests(dialect: DialectKind) async throws {
        try await withGatewayStack(environment: ["ASK_MODE": "poll"], dialect: dialect) { stack in
            let alice = try stack.token("alice")
            let answer = try await stack.object("POST", "/v1/ask", token: alice, json: ["content": "poll me"])
            #expect(answer["status"] == "completed")
            #expect(answer["messages"]?.arrayValue?.count == 1)
            let requests = answer["upstream_requests"]?.intValue ?? 0
            #expect(requests >= 3, "create, at least one retrieve, list: \(requests)")
        }
    }

    @Test(arguments: DialectKind.allCases) func asksBeyondTheStreamBudgetPoll(dialect: DialectKind) async throws {
        try await withGatewayStack(environment: ["ASK_MAX_STREAMS": "1"], dialect: dialect) { stack in
            let alice = try stack.token("alice")
            let slowThread = try await Self.newThread(stack, alice)
            let otherThread = try await Self.newThread(stack, alice)
            // The slow ask takes the one stream slot (its run lasts long enough for the ask below
            // to start while it holds it, however slow the build, and ends well within the test
            // client's 10 s read timeout)…
            let slow = Task {
                try await stack.object(
                    "POST", "/v1/threads/\(slowThread)/ask", token: alice, json: ["content": "hold it [[slow:4000]]", "wait_ms": 20000])
            }
            let started = await eventually(timeout: .seconds(10), pollInterval: .milliseconds(20)) {
                (try? await rowCount(stack, "runs")) == 1
            }
            #expect(started, "the slow ask never started its run")
            // …so an ask meanwhile polls (create, retrieve…, list) instead of waiting for a stream…
            let polled = try await stack.object("POST", "/v1/threads/\(otherThread)/ask", token: alice, json: ["content": "no slot"])
            #expect(polled["status"] == "completed")
            #expect(polled["messages"]?.arrayValue?.count == 1)
            #expect((polled["upstream_requests"]?.intValue ?? 0) >= 3, "polled: \(polled)")
            let streamed = try await slow.value
            #expect(streamed["status"] == "completed")
            #expect(streamed["upstream_requests"] == 1)
            // …and the slot is free again once the slow ask has its answer.
            let after = try await stack.object("POST", "/v1/threads/\(otherThread)/ask", token: alice, json: ["content": "slot back"])
            #expect(after["status"] == "completed")
            #expect(after["upstream_requests"] == 1)
        }
    }

    @Test(arguments: DialectKind.allCases) func pollsBeyondThePollBudgetWaitInLineForASlot(dialect: DialectKind) async throws {
        // One poll in flight at a time, and every upstream answer 150 ms late: four asks polling
        // together must take turns, and each still gets its answer.
        var slow = FaultSettings()
        slow.latencyMillis = 150
        try await withGatewayStack(environment: ["ASK_MODE": "poll", "ASK_MAX_POLLS": "1"], faults: slow, dialect: dialect) { stack in
            let alice = try stack.token("alice")
            let before = try await MetricsTests.scrape(stack).value("threadgate_ask_polls_deferred_total") ?? 0
            var threads: [String] = []
            for _ in 0..<4 { threads.append(try await Self.newThread(stack, alice)) }
            let answers = try await withThrowingTaskGroup(of: JSONValue.self) { group in
                for thread in threads {
                    group.addTask {
                        try await stack.object(
                            "POST", "/v1/threads/\(thread)/ask", token: alice, json: ["content": "take turns", "wait_ms": 20000])
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers.count == 4)
            for answer in answers {
                #expect(answer["status"] == "completed", "\(answer)")
                #expect(answer["messages"]?.arrayValue?.count == 1)
            }
            let after = try await MetricsTests.scrape(stack)
            #expect((after.value("threadgate_ask_polls_deferred_total") ?? 0) > before)
            #expect(after.value("threadgate_ask_polls_in_flight") == 0)
        }
    }

    @Test(arguments: DialectKind.allCases) func clientDisconnectEndsTheWaitNotTheRun(dialect: DialectKind) async throws {
        try await withGatewayStack(dialect: dialect) { stack in
            let alice = try stack.token("alice")
            let thread = try await Self.newThread(stack, alice)
            // Send the ask and hang up once its run exists, before the run ends.
            let socket = try await onThread {
                let socket = try connectLoopback(stack.port)
                let body = Array("{\"content\":\"gone [[slow:800]]\",\"wait_ms\":20000}".utf8)
                let head = "POST /v1/threads/\(thread)/ask HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(alice)\r\n"
                    + "Idempotency-Key: gone-1\r\nContent-Length: \(body.count)\r\n\r\n"
                let bytes = Array(head.utf8) + body
                _ = bytes.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                return socket
            }
            let started = await eventually(timeout: .seconds(10), pollInterval: .milliseconds(20)) {
                (try? await rowCount(stack, "runs")) == 1
            }
            close(socket)
            #expect(started, "the ask never started its run")
            // The run goes on and stays retrievable; the thread is usable again afterwards.
            let completed = try await eventually(timeout: .seconds(10), pollInterval: .milliseconds(50)) {
                try await stack.object("GET", "/v1/threads/\(thread)/runs", token: alice)["data"]?[0]?["status"] == "completed"
            }
            #expect(completed, "the run did not complete after its client left")
            let next = try await stack.call("POST", "/v1/threads/\(thread)/ask", token: alice, json: ["content": "still here?"])
            #expect(next.status == 200)
            // The key of the ask nobody heard the answer to is free again: the retry runs.
            let retry = try await send(
                "POST", "/v1/threads/\(thread)/ask", port: stack.port,
                headers: [("Authorization", "Bearer \(alice)"), ("Idempotency-Key", "gone-1")],
                body: Array("{\"content\":\"gone [[slow:800]]\",\"wait_ms\":20000}".utf8))
            #expect(retry.status == 200, "\(retry.text)")
        }
    }

    @Test(arguments: DialectKind.allCases) func idleEventStreamsCarryHeartbeats(dialect: DialectKind) async throws {
        try await withGatewayStack(environment: ["ASK_HEARTBEAT_MS": "50"], dialect: dialect) { stack in
            let response = try await stack.call(
                "POST", "/v1/ask", token: try stack.token("alice"), json: ["content": "quietly [[slow:500]]", "stream": true])
            #expect(response.text.contains(": keep-alive\n\n"))
            #expect(serverSentEvents(response.text).last?.name == "result")
        }
    }

    @Test(arguments: DialectKind.allCases) func startUpReconciliationFreesThreadsOfEndedRuns(dialect: DialectKind) async throws {
        try await withGatewayStack(dialect: dialect) { stack in
            let alice = try stack.token("alice")
            let accepted = try await stack.object(
                "POST", "/v1/ask", token: alice, json: ["content": "left alone [[slow:300]]", "wait_ms": 0], status: 202)
            let thread = try #require(accepted["thread_id"]?.stringValue)
            let runID = try #require(accepted["run"]?["id"]?.stringValue)
            let upstreamThread = try await upstreamThreadID(stack, thread)
            let upstreamRunPath = dialect == .assistants ? "/v1/threads/\(upstreamThread)/runs/\(runID)" : "/v1/responses/\(runID)"
            let ended = try await eventually(timeout: .seconds(10), pollInterval: .milliseconds(50)) {
                try await upstreamGet(stack, upstreamRunPath)["status"] == "completed"
            }
            #expect(ended, "the run did not complete upstream")
            let held = try await query(stack, PostgresQuery("SELECT active_run_id FROM threads WHERE id = $1", thread))
            #expect(try held.first?.decode(column: 0, as: String?.self) == runID, "nobody has looked at the run yet")
            // A new instance reconciles at start-up, before any request touches the thread.
            try await withGateway(stack.config) { _ in
                let freed = try await eventually(timeout: .seconds(10), pollInterval: .milliseconds(50)) {
                    let holder: String? = try await query(stack, PostgresQuery("SELECT active_run_id FROM threads WHERE id = $1", thread))
                        .first?.decode(column: 0, as: String?.self)
                    return holder == nil
                }
                #expect(freed, "the new instance did not free the thread")
            }
            let recorded = try await query(stack, PostgresQuery("SELECT status FROM runs WHERE upstream_run_id = $1", runID))
            #expect(try recorded.first?.decode(column: 0, as: String.self) == "completed")
        }
    }

    @Test(arguments: DialectKind.allCases) func shutdownAnswersWaitingAsksWith202(dialect: DialectKind) async throws {
        try await withGatewayStack(dialect: dialect) { stack in
            let alice = try stack.token("alice")
            async let pending = stack.call("POST", "/v1/ask", token: alice, json: ["content": "outlive me [[slow:3000]]", "wait_ms": 30_000])
            // Stop once the ask is waiting on its run.
            let waiting = await eventually(timeout: .seconds(10), pollInterval: .milliseconds(20)) {
                (try? await rowCount(stack, "runs")) == 1
            }
            #expect(waiting, "the ask never started its run")
            await stack.server.stop(gracePeriod: .seconds(5))
            let response = try await pending
            #expect(response.status == 202, "\(response.text)")
            #expect(try response.json()["run"]?["id"]?.stringValue?.isEmpty == false)
        }
    }
}

/// `event:`/`data:` pairs of a server-sent event stream (comments skipped).
func serverSentEvents(_ text: String) -> [(name: String, data: String)] {
    var events: [(name: String, data: String)] = []
    for block in text.split(separator: "\n\n", omittingEmptySubsequences: true) {
        var name = "message"
        var data = ""
        for line in block.split(separator: "\n") {
            if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
            if line.hasPrefix("data: ") { data += line.dropFirst(6) }
        }
        if !data.isEmpty { events.append((name, data)) }
    }
    return events
}

/// A blocking socket connected to 127.0.0.1:`port`.
func connectLoopback(_ port: Int) throws -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr = in_addr(s_addr: inet_addr("127.0.0.1"))
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else {
        close(fd)
        throw ClientError(description: "connect: errno \(errno)")
    }
    return fd
}
