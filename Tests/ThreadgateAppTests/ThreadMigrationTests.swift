import DatabaseTestSupport
import EventLoop
import Gateway
import JSON
import Postgres
import Testing
import TestSupport
import UpstreamAPI
@testable import ThreadgateApp

/// Moving Assistants threads to Responses conversations (`ThreadMigrator`, the admin endpoint
/// and the `migrate-threads` runtime) over the whole stack: real PostgreSQL, the simulator
/// serving both APIs over HTTP, the gateway in front.
@Suite(.enabled(if: databaseTestsEnabled), .serialized)
struct ThreadMigrationTests {
    /// Profiles so runs on the Responses side echo like the Assistants ones.
    static func environment() throws -> [String: String] {
        ["RESPONSES_PROFILES_FILE": try responsesProfilesFile()]
    }

    static func newThread(_ stack: GatewayStack, _ token: String, _ body: JSONValue = [:]) async throws -> String {
        try #require(try await stack.object("POST", "/v1/threads", token: token, json: body)["id"]?.stringValue)
    }

    /// `count` messages alternating user and assistant: `m000 user`, `m001 assistant`, …
    static func seed(_ stack: GatewayStack, _ token: String, _ thread: String, count: Int) async throws -> [(String, String)] {
        var expected: [(String, String)] = []
        for index in 0..<count {
            let role = index % 2 == 0 ? "user" : "assistant"
            let text = "m" + String(String(1000 + index).dropFirst()) + " " + role
            _ = try await stack.object(
                "POST", "/v1/threads/\(thread)/messages", token: token, json: ["role": .string(role), "content": .string(text)])
            expected.append((role, text))
        }
        return expected
    }

    /// Every message of the thread through the gateway, oldest first, as (role, text), paging by 100.
    static func messages(_ stack: GatewayStack, _ token: String, _ thread: String) async throws -> [(String, String)] {
        var result: [(String, String)] = []
        var after: String?
        for _ in 0..<20 {
            let path = "/v1/threads/\(thread)/messages?order=asc&limit=100" + (after.map { "&after=\($0)" } ?? "")
            let page = try await stack.object("GET", path, token: token)
            for message in page["data"]?.arrayValue ?? [] {
                let text = (message["content"]?.arrayValue ?? []).compactMap { $0["text"]?["value"]?.stringValue }.joined(separator: "|")
                result.append((message["role"]?.stringValue ?? "?", text))
                #expect(message["thread_id"] == .string(thread))
            }
            guard page["has_more"] == true, let last = page["last_id"]?.stringValue else { return result }
            after = last
        }
        throw ClientError(description: "too many pages")
    }

    static func threadRow(_ stack: GatewayStack, _ id: String) async throws -> (dialect: String, upstream: String, holder: String?) {
        let rows = try await query(
            stack, PostgresQuery("SELECT upstream_dialect, upstream_thread_id, active_run_id FROM threads WHERE id = $1", id))
        let row = try #require(rows.first)
        return (try row.decode(column: 0), try row.decode(column: 1), try row.decode(column: 2))
    }

    static func migrator(_ stack: GatewayStack, checkpoint: (@Sendable (ThreadMigrator.Step) async -> Bool)? = nil) -> ThreadMigrator {
        var options = ThreadMigrator.Options()
        options.checkpoint = checkpoint
        return stack.server.threadMigrator(options)
    }

    // MARK: The move

    @Test func aLongHistoryMovesInOrderAndTheThreadWorksOnResponses() async throws {
        try await withGatewayStack(environment: try Self.environment()) { stack in
            let admin = try stack.token("root", admin: true)
            let alice = try stack.token("alice")
            let thread = try await Self.newThread(stack, alice, ["metadata": ["topic": "billing"], "title": "Invoices"])
            // More than a page of the Assistants list (100) and than one items request (20).
            let expected = try await Self.seed(stack, alice, thread, count: 130)
            let oldUpstream = try await upstreamThreadID(stack, thread)

            let link = try await stack.object("POST", "/admin/v1/threads/\(thread)/migrate", token: admin)
            #expect(link["object"] == "thread.migration")
            #expect(link["status"] == "migrated")
            #expect(link["thread_id"] == .string(thread))
            #expect(link["owner"] == "alice")
            #expect(link["from"] == ["dialect": "assistants", "upstream_thread_id": .string(oldUpstream)])
            #expect(link["to"]?["dialect"] == "responses")
            #expect(link["message_count"] == 130 && link["copied_count"] == 130 && link["skipped_messages"] == 0)
            #expect(link["dropped"] == [:])
            #expect(link["attempts"] == 1 && link["error"] == .null)
            #expect(link["finished_at"]?.intValue != nil)
            let conversation = try #require(link["to"]?["upstream_thread_id"]?.stringValue)

            let row = try await Self.threadRow(stack, thread)
            #expect(row.dialect == "responses" && row.upstream == conversation && row.holder == nil)
            // The conversation carries the owner keys, like a thread created on Responses.
            let upstream = try await upstreamGet(stack, "/v1/conversations/\(conversation)")
            #expect(upstream["metadata"]?["threadgate_owner"] == "alice")
            #expect(upstream["metadata"]?["threadgate_thread"] == .string(thread))
            #expect(upstream["metadata"]?["topic"] == "billing")

            // The items went in batches the upstream accepts (20 per request): 7 requests for 130.
            let stats = try await upstreamGet(stack, "/v1/_simulator/stats")
            let itemPosts = (stats["requests"]?["by_route"]?.objectValue ?? [:])
                .filter { $0.key.hasPrefix("POST /v1/conversations/") && $0.key.hasSuffix("/items") }
                .map { $0.value["200"]?.intValue ?? 0 }.reduce(0, +)
            #expect(itemPosts == 7, "\(stats)")

            // The frontend sees the same thread and the same history, in order, roles kept.
            let after = try await Self.messages(stack, alice, thread)
            #expect(after.count == 130)
            #expect(after.map(\.0) == expected.map(\.0))
            #expect(after.map(\.1) == expected.map(\.1))
            let fetched = try await stack.object("GET", "/v1/threads/\(thread)", token: alice)
            #expect(fetched["title"] == "Invoices" && fetched["metadata"] == ["topic": "billing"])

            // And it keeps working, now over the Responses API.
            let ask = try await stack.object("POST", "/v1/threads/\(thread)/ask", token: alice, json: ["content": "after the move"])
            #expect(ask["status"] == "completed")
            #expect(ask["thread_id"] == .string(thread))
            let reply = ask["messages"]?[0]?["content"]?[0]?["text"]?["value"]?.stringValue ?? ""
            #expect(reply.contains("after the move"), "\(reply)")
            #expect(ask["run"]?["id"]?.stringValue?.hasPrefix("resp_") == true)
            let items = try await upstreamGet(stack, "/v1/conversations/\(conversation)/items?limit=5&order=desc")
            #expect(items["data"]?.arrayValue?.isEmpty == false)

            // Again: a no-op that answers the same link.
            let again = try await stack.object("POST", "/admin/v1/threads/\(thread)/migrate", token: admin)
            #expect(again == link)
            let direct = try await Self.migrator(stack).migrate(thread)
            #expect(direct.outcome == .alreadyMigrated)
            #expect(direct.link?.toUpstreamThreadID == conversation)
            #expect(try await rowCount(stack, "thread_migrations") == 1)
        }
    }

    @Test func oldRunIdsAnswerFromTheRecordOrPrecisely() async throws {
        try await withGatewayStack(environment: try Self.environment()) { stack in
            let admin = try stack.token("root", admin: true)
            let alice = try stack.token("alice")
            let first = try await stack.object("POST", "/v1/ask", token: alice, json: ["content": "before the move"])
            let thread = try #require(first["thread_id"]?.stringValue)
            let runID = try #require(first["run"]?["id"]?.stringValue)
            #expect(first["status"] == "completed")
            let tokens = first["run"]?["usage"]?["total_tokens"]

            _ = try await stack.object("POST", "/admin/v1/threads/\(thread)/migrate", token: admin)

            // The recorded run stays retrievable, in the list too.
            let run = try await stack.object("GET", "/v1/threads/\(thread)/runs/\(runID)", token: alice)
            #expect(run["id"] == .string(runID) && run["status"] == "completed" && run["thread_id"] == .string(thread))
            #expect(run["usage"]?["total_tokens"] == tokens)
            let list = try await stack.object("GET", "/v1/threads/\(thread)/runs", token: alice)
            #expect(list["data"]?.arrayValue?.contains { $0["id"] == .string(runID) } == true)
            // What needs the old upstream is gone, and says so.
            let gone: [(String, String, JSONValue?)] = [
                ("GET", "/v1/threads/\(thread)/runs/\(runID)/steps", nil),
                ("GET", "/v1/threads/\(thread)/runs/\(runID)/steps/step_x", nil),
                ("POST", "/v1/threads/\(thread)/runs/\(runID)/cancel", nil),
                ("POST", "/v1/threads/\(thread)/runs/\(runID)/wait", nil),
                ("POST", "/v1/threads/\(thread)/runs/\(runID)/submit_tool_outputs", ["tool_outputs": []]),
                ("POST", "/v1/threads/\(thread)/runs/\(runID)/submit_tool_outputs?wait_ms=1000", ["tool_outputs": []]),
                ("GET", "/v1/threads/\(thread)/messages?run_id=\(runID)", nil),
            ]
            for (method, path, body) in gone {
                let response = try await stack.call(method, path, token: alice, json: body)
                #expect(response.status == 410, "\(method) \(path): \(response.text)")
                #expect(try response.json()["error"]?["code"] == "run_migrated", "\(method) \(path)")
            }
            // Unknown runs, and other users, still get plain 404s.
            #expect(try await stack.call("GET", "/v1/threads/\(thread)/runs/run_unknown", token: alice).status == 404)
            #expect(try await stack.call("GET", "/v1/threads/\(thread)/runs/\(runID)", token: try stack.token("bob")).status == 404)
            // Usage reports still count it.
            let usage = try await stack.object("GET", "/admin/v1/users/alice/usage", token: admin)
            #expect(usage["runs"]?["total"] == 1)
            // A run made after the move is an ordinary Responses run.
            let next = try await stack.object("POST", "/v1/threads/\(thread)/ask", token: alice, json: ["content": "after"])
            let nextID = try #require(next["run"]?["id"]?.stringValue)
            let nextRun = try await stack.object("GET", "/v1/threads/\(thread)/runs/\(nextID)", token: alice)
            #expect(nextRun["status"] == "completed")
        }
    }

    // MARK: What is not moved

    @Test func aThreadWithAnActiveRunIsSkipped() async throws {
        try await withGatewayStack(environment: try Self.environment()) { stack in
            let admin = try stack.token("root", admin: true)
            let alice = try stack.token("alice")
            let thread = try await Self.newThread(stack, alice)
            // The run lasts 5 s: both checks below must find it still going, however slow the build.
            let run = try await stack.object(
                "POST", "/v1/threads/\(thread)/runs", token: alice,
                json: ["additional_messages": [["role": "user", "content": "slow [[slow:5000]]"]]])
            let runID = try #require(run["id"]?.stringValue)

            let busy = try await stack.call("POST", "/admin/v1/threads/\(thread)/migrate", token: admin)
            #expect(busy.status == 409, "\(busy.text)")
            #expect(try busy.json()["error"]?["code"] == "thread_busy")
            #expect(try busy.json()["error"]?["active_run_id"] == .string(runID))
            #expect(try await rowCount(stack, "thread_migrations") == 0)
            #expect(try await Self.threadRow(stack, thread).dialect == "assistants")

            // A holder whose lease ran out while its run still goes on upstream: still skipped.
            _ = try await query(
                stack, PostgresQuery("UPDATE threads SET active_run_lease_until = now() - interval '1 second' WHERE id = $1", thread))
            let result = try await Self.migrator(stack).migrate(thread)
            #expect(result.outcome == .skipped && result.code == "thread_busy" && result.activeRunID == runID)
            #expect(try await Self.threadRow(stack, thread).dialect == "assistants")
            #expect(try await Self.threadRow(stack, thread).holder == runID, "the turn is handed to the run")

            // Once the run ended, the thread moves, its reply included.
            _ = try await pollRun(stack, token: alice, thread: thread, run: runID)
            let link = try await stack.object("POST", "/admin/v1/threads/\(thread)/migrate", token: admin)
            #expect(link["status"] == "migrated" && link["message_count"] == 2)
            let texts = try await Self.messages(stack, alice, thread)
            #expect(texts.map(\.0) == ["user", "assistant"])
        }
    }

    @Test func aThreadTheOldUpstreamNoLongerHasIsLeftUntouched() async throws {
        try await withGatewayStack(environment: try Self.environment()) { stack in
            let admin = try stack.token("root", admin: true)
            let alice = try stack.token("alice")
            let thread = try await Self.newThread(stack, alice)
            _ = try await Self.seed(stack, alice, thread, count: 3)
            let oldUpstream = try await upstreamThreadID(stack, thread)
            let deleted = try await send(
                "DELETE", "/v1/threads/\(oldUpstream)", port: stack.simulator.port,
                headers: [("Authorization", "Bearer \(GatewayStack.upstreamKey)"), ("OpenAI-Beta", "assistants=v2")])
            #expect(deleted.status == 200)

            let response = try await stack.call("POST", "/admin/v1/threads/\(thread)/migrate", token: admin)
            #expect(response.status == 502, "\(response.text)")
            let error = try response.json()["error"]
            #expect(error?["code"] == "migration_failed")
            let link = try #require(error?["migration"])
            #expect(link["status"] == "failed")
            #expect(link["error"]?["code"] == "source_not_found")
            #expect(link["from"]?["upstream_thread_id"] == .string(oldUpstream))
            #expect(link["to"]?["upstream_thread_id"] == .null)
            let row = try await Self.threadRow(stack, thread)
            #expect(row.dialect == "assistants" && row.upstream == oldUpstream && row.holder == nil)

            // Trying again records the same reason, counts the attempt, and creates nothing upstream.
            let again = try await Self.migrator(stack).migrate(thread)
            #expect(again.outcome == .failed && again.code == "source_not_found" && again.isFailure)
            #expect(again.link?.attempts == 2)
            let stats = try await upstreamGet(stack, "/v1/_simulator/stats")
            #expect(stats["requests"]?["by_route"]?["POST /v1/conversations"] == nil, "\(stats)")
        }
    }

    @Test func contentThatCannotMoveIsCountedNotLostSilently() async throws {
        try await withGatewayStack(environment: try Self.environment()) { stack in
            let alice = try stack.token("alice")
            let thread = try await Self.newThread(stack, alice)
            let bodies: [JSONValue] = [
                ["role": "user", "content": [
                    ["type": "text", "text": "look at this"],
                    ["type": "image_url", "image_url": ["url": "https://example.com/a.png"]],
                ]],
                ["role": "user", "content": [["type": "image_file", "image_file": ["file_id": "file-abc"]]]],
                ["role": "user", "content": "see the file", "attachments": [["file_id": "file-def", "tools": [["type": "file_search"]]]],
                 "metadata": ["source": "upload"]],
                ["role": "assistant", "content": "noted"],
            ]
            for body in bodies {
                _ = try await stack.object("POST", "/v1/threads/\(thread)/messages", token: alice, json: body)
            }
            let result = try await Self.migrator(stack).migrate(thread)
            #expect(result.outcome == .migrated)
            let link = try #require(result.link)
            #expect(link.messageCount == 4 && link.copiedCount == 3 && link.skippedMessages == 1)
            #expect(link.dropped == ["attachment": 1, "image_file": 1, "image_url": 1, "message_metadata": 1])
            let texts = try await Self.messages(stack, alice, thread)
            #expect(texts.map(\.1) == ["look at this", "see the file", "noted"])
            #expect(texts.map(\.0) == ["user", "user", "assistant"])
            #expect(MigrateThreadsRuntime.line(for: result).contains("1 without text not copied"))
            #expect(MigrateThreadsRuntime.line(for: result).contains("1 image_file"))
        }
    }

    // MARK: Interruptions

    @Test(arguments: [ThreadMigrator.Step.created(conversation: ""), .appended(copied: 20)])
    func anInterruptedCopyIsRedoneWithoutASecondConversation(stopAt: ThreadMigrator.Step) async throws {
        try await withGatewayStack(environment: try Self.environment()) { stack in
            let admin = try stack.token("root", admin: true)
            let alice = try stack.token("alice")
            let thread = try await Self.newThread(stack, alice)
            let expected = try await Self.seed(stack, alice, thread, count: 45)
            let oldUpstream = try await upstreamThreadID(stack, thread)

            // The process "dies" at the step: nothing after it runs, nothing is cleaned up.
            let crashing = Self.migrator(stack) { step in
                switch (step, stopAt) {
                case (.created, .created): false
                case (.appended(let copied), .appended(let at)): copied < at
                default: true
                }
            }
            let interrupted = try await crashing.migrate(thread)
            #expect(interrupted.outcome == .interrupted)
            let half = try #require(try await crashing.link(thread))
            #expect(half.status == .copying)
            let halfMade = try #require(half.toUpstreamThreadID)
            if case .appended = stopAt { #expect(half.copiedCount == 20) }
            var row = try await Self.threadRow(stack, thread)
            #expect(row.dialect == "assistants" && row.upstream == oldUpstream)
            #expect(row.holder?.hasPrefix("claim_migrate_") == true)

            // Meanwhile the thread is busy for asks (and says why), and a second attempt waits its turn.
            let ask = try await stack.call("POST", "/v1/threads/\(thread)/ask", token: alice, json: ["content": "now?"])
            #expect(ask.status == 409, "\(ask.text)")
            #expect(try ask.json()["error"]?["code"] == "thread_busy")
            #expect(try ask.json()["error"]?["message"]?.stringValue?.contains("being moved") == true)
            let early = try await Self.migrator(stack).migrate(thread)
            #expect(early.outcome == .skipped && early.message?.contains("another migration") == true)

            // The dead attempt's lease runs out; the next attempt deletes its conversation and starts over.
            _ = try await query(
                stack, PostgresQuery("UPDATE threads SET active_run_lease_until = now() - interval '1 second' WHERE id = $1", thread))
            let link = try await stack.object("POST", "/admin/v1/threads/\(thread)/migrate", token: admin)
            #expect(link["status"] == "migrated" && link["attempts"] == 2)
            #expect(link["message_count"] == 45 && link["copied_count"] == 45)
            let conversation = try #require(link["to"]?["upstream_thread_id"]?.stringValue)
            #expect(conversation != halfMade)
            #expect(try await upstreamCall(stack, "/v1/conversations/\(halfMade)").status == 404, "the half-made copy is deleted")
            row = try await Self.threadRow(stack, thread)
            #expect(row.dialect == "responses" && row.upstream == conversation && row.holder == nil)
            let after = try await Self.messages(stack, alice, thread)
            #expect(after.map(\.1) == expected.map(\.1))
            #expect(after.map(\.0) == expected.map(\.0))
        }
    }

    @Test func aThreadDeletedMidCopyIsNotSwitchedAndItsCopyIsRemoved() async throws {
        try await withGatewayStack(environment: try Self.environment()) { stack in
            let alice = try stack.token("alice")
            let thread = try await Self.newThread(stack, alice)
            _ = try await Self.seed(stack, alice, thread, count: 30)
            let created = LockedValue<String?>(nil)
            // The owner deletes the thread while its history is being copied.
            let migrator = Self.migrator(stack) { step in
                switch step {
                case .created(let conversation):
                    created.withLock { $0 = conversation }
                case .appended(20):
                    _ = try? await stack.call("DELETE", "/v1/threads/\(thread)", token: alice)
                default:
                    break
                }
                return true
            }
            let result = try await migrator.migrate(thread)
            #expect(result.outcome == .failed && result.code == "thread_deleted", "\(result)")
            #expect(result.link?.status == .failed && result.link?.toUpstreamThreadID == nil)
            let conversation = try #require(created.withLock { $0 })
            #expect(try await upstreamCall(stack, "/v1/conversations/\(conversation)").status == 404, "the copy is deleted")
            let rows = try await query(stack, PostgresQuery("SELECT upstream_dialect, deleted_at IS NOT NULL FROM threads WHERE id = $1", thread))
            #expect(try rows.first?.decode(column: 0, as: String.self) == "assistants")
            #expect(try rows.first?.decode(column: 1, as: Bool.self) == true)
        }
    }

    // MARK: The endpoint and the command

    @Test func theEndpointIsForAdminsAndNamesUnknownThreads() async throws {
        try await withGatewayStack(environment: try Self.environment()) { stack in
            let alice = try stack.token("alice")
            let admin = try stack.token("root", admin: true)
            let thread = try await Self.newThread(stack, alice)
            let forbidden = try await stack.call("POST", "/admin/v1/threads/\(thread)/migrate", token: alice)
            #expect(forbidden.status == 403)
            #expect(try await stack.call("POST", "/admin/v1/threads/\(thread)/migrate", token: nil).status == 401)
            let unknown = try await stack.call("POST", "/admin/v1/threads/thr_unknown/migrate", token: admin)
            #expect(unknown.status == 404)
            #expect(try unknown.json()["error"]?["code"] == "not_found")
            let bad = try await stack.call("POST", "/admin/v1/threads/\(thread)/migrate", token: admin, json: ["dry_run": true])
            #expect(bad.status == 400)
            #expect(try await Self.threadRow(stack, thread).dialect == "assistants")
        }
        // A thread created on the Responses API has nothing to move.
        try await withGatewayStack(dialect: .responses) { stack in
            let thread = try await Self.newThread(stack, try stack.token("alice"))
            let response = try await stack.call("POST", "/admin/v1/threads/\(thread)/migrate", token: try stack.token("root", admin: true))
            #expect(response.status == 409)
            #expect(try response.json()["error"]?["code"] == "thread_not_migratable")
        }
    }

    @Test func theCommandMigratesASelectionAndReportsEachThread() async throws {
        try await withGatewayStack(environment: try Self.environment()) { stack in
            let alice = try stack.token("alice")
            let bob = try stack.token("bob")
            let aliceThreads = [try await Self.newThread(stack, alice), try await Self.newThread(stack, alice)]
            for id in aliceThreads { _ = try await Self.seed(stack, alice, id, count: 2) }
            let bobThread = try await Self.newThread(stack, bob)
            _ = try await Self.seed(stack, bob, bobThread, count: 1)
            let gone = try await Self.newThread(stack, bob)
            let goneUpstream = try await upstreamThreadID(stack, gone)
            _ = try await send(
                "DELETE", "/v1/threads/\(goneUpstream)", port: stack.simulator.port,
                headers: [("Authorization", "Bearer \(GatewayStack.upstreamKey)"), ("OpenAI-Beta", "assistants=v2")])
            let migrator = Self.migrator(stack)
            let lines = LockedLines()

            // A signal: the thread under way finishes, no other starts, the run says so and exits 1.
            var stopping = MigrateThreadsRuntime.Options()
            stopping.user = "alice"
            stopping.concurrency = 1
            #expect(
                await MigrateThreadsRuntime.run(stopping, migrator: migrator, output: lines.output, errors: lines.output, stopped: { true })
                    == 1)
            #expect(lines.all.last == "migrate-threads: 1 thread: 1 migrated, 0 already migrated, 0 skipped, 0 not applicable, 0 failed; 2 messages copied; stopped early, 1 not started", "\(lines.all)")
            let stoppedFirst = try #require(lines.all.first { $0.hasPrefix("migrated ") }?.split(separator: " ").dropFirst().first { !$0.isEmpty })
            lines.clear()

            var dry = MigrateThreadsRuntime.Options()
            dry.user = "alice"
            dry.dryRun = true
            #expect(await MigrateThreadsRuntime.run(dry, migrator: migrator, output: lines.output, errors: lines.output) == 0)
            #expect(lines.all.filter { $0.hasPrefix("would migrate") }.count == 1, "\(lines.all)")
            #expect(lines.all.last == "migrate-threads --dry-run: 1 thread: 1 would be migrated, 0 busy now, 0 already moved or not applicable, 0 not found")
            let unmoved = try #require(aliceThreads.first { $0 != stoppedFirst })
            #expect(try await Self.threadRow(stack, unmoved).dialect == "assistants")

            lines.clear()
            var alices = MigrateThreadsRuntime.Options()
            alices.user = "alice"
            #expect(await MigrateThreadsRuntime.run(alices, migrator: migrator, output: lines.output, errors: lines.output) == 0)
            #expect(lines.all.filter { $0.hasPrefix("migrated ") && $0.contains(unmoved) }.count == 1, "\(lines.all)")
            #expect(lines.all.last == "migrate-threads: 1 thread: 1 migrated, 0 already migrated, 0 skipped, 0 not applicable, 0 failed; 2 messages copied")

            lines.clear()
            var everything = MigrateThreadsRuntime.Options()
            everything.all = true
            everything.concurrency = 3
            #expect(await MigrateThreadsRuntime.run(everything, migrator: migrator, output: lines.output, errors: lines.output) == 1)
            #expect(lines.all.contains { $0.hasPrefix("migrated ") && $0.contains(bobThread) }, "\(lines.all)")
            #expect(lines.all.contains { $0.hasPrefix("FAILED ") && $0.contains(gone) && $0.contains("source_not_found") }, "\(lines.all)")
            #expect(lines.all.last == "migrate-threads: 2 threads: 1 migrated, 0 already migrated, 0 skipped, 0 not applicable, 1 failed; 1 messages copied")

            lines.clear()
            var named = MigrateThreadsRuntime.Options()
            named.threads = [aliceThreads[0], "thr_missing", aliceThreads[0]]
            #expect(await MigrateThreadsRuntime.run(named, migrator: migrator, output: lines.output, errors: lines.output) == 1)
            #expect(lines.all.contains { $0.hasPrefix("already migrated") && $0.contains(aliceThreads[0]) }, "\(lines.all)")
            #expect(lines.all.contains { $0.hasPrefix("FAILED ") && $0.contains("thr_missing") && $0.contains("not_found") })
            #expect(lines.all.count == 3)
        }
    }
}

/// Collects console lines (the runtime prints from child tasks).
final class LockedLines: Sendable {
    private let lines = LockedValue<[String]>([])
    var output: ConsoleOutput { ConsoleOutput { [self] line in lines.withLock { $0.append(line) } } }
    var all: [String] { lines.withLock { $0 } }
    func clear() { lines.withLock { $0 = [] } }
}
