import JSON
import ResponsesV1
import Testing
import UpstreamAPI

extension ResponsesSocketTests {
    /// Pages of messages over items where function calls and outputs sit between messages.
    @Suite struct Pagination {
        /// A thread of messages m1…m7 with 0–3 tool items after each (30 items in all).
        static func interleavedThread(_ h: Harness) async throws -> (thread: String, ids: [String]) {
            let thread = try await h.thread()
            var ids: [String] = []
            for index in 1...7 {
                let message = try await h.dialect.createMessage(
                    threadID: thread, body: ["role": index.isMultiple(of: 2) ? "assistant" : "user", "content": .string("m\(index)")],
                    context: h.context)
                ids.append(try #require(message["id"]?.stringValue))
                var tools: [JSONValue] = []
                for call in 0..<(index % 4) {
                    tools.append(["type": "function_call", "call_id": .string("call_\(index)_\(call)"), "name": "f", "arguments": "{}"])
                    tools.append(["type": "function_call_output", "call_id": .string("call_\(index)_\(call)"), "output": "ok"])
                }
                if !tools.isEmpty { _ = try await h.raw(.post, "/conversations/\(thread)/items", body: ["items": .array(tools)]) }
            }
            return (thread, ids)
        }

        /// Follows `after` cursors from the first page; every page holds `limit` messages but the last.
        static func walk(_ h: Harness, _ thread: String, order: String, limit: Int) async throws -> [[String]] {
            var pages: [[String]] = []
            var after: String?
            while true {
                let page = try await h.dialect.listMessages(
                    threadID: thread, page: PageRequest(limit: limit, order: order, after: after), runID: nil, context: h.context)
                pages.append(page.data.map(\.text))
                #expect(page.firstID == page.data.first?["id"]?.stringValue && page.lastID == page.data.last?["id"]?.stringValue)
                guard page.hasMore else { break }
                after = page.lastID
            }
            return pages
        }

        @Test func forwardPagesInBothOrdersSkipToolItems() async throws {
            try await withResponses { h async throws in
                let (thread, _) = try await Self.interleavedThread(h)
                #expect(try await Self.walk(h, thread, order: "asc", limit: 2) == [["m1", "m2"], ["m3", "m4"], ["m5", "m6"], ["m7"]])
                #expect(try await Self.walk(h, thread, order: "desc", limit: 3) == [["m7", "m6", "m5"], ["m4", "m3", "m2"], ["m1"]])
                #expect(try await Self.walk(h, thread, order: "asc", limit: 7) == [["m1", "m2", "m3", "m4", "m5", "m6", "m7"]])
                let full = try await h.dialect.listMessages(
                    threadID: thread, page: PageRequest(limit: 7, order: "asc"), runID: nil, context: h.context)
                #expect(!full.hasMore)
                let defaults = try await h.dialect.listMessages(threadID: thread, page: PageRequest(), runID: nil, context: h.context)
                #expect(defaults.data.map(\.text) == ["m7", "m6", "m5", "m4", "m3", "m2", "m1"])
                #expect(defaults.data.map { $0["role"]?.stringValue ?? "" } == ["user", "assistant", "user", "assistant", "user", "assistant", "user"])
            }
        }

        @Test func manyToolItemsBetweenMessagesStillFillThePage() async throws {
            try await withResponses { h async throws in
                let thread = try await h.thread(saying: "before")
                for batch in 0..<3 {
                    let items: [JSONValue] = (0..<10).flatMap { index -> [JSONValue] in
                        let call = JSONValue.string("call_\(batch)_\(index)")
                        return [
                            ["type": "function_call", "call_id": call, "name": "f", "arguments": "{}"],
                            ["type": "function_call_output", "call_id": call, "output": "ok"],
                        ]
                    }
                    _ = try await h.raw(.post, "/conversations/\(thread)/items", body: ["items": .array(Array(items.prefix(20)))])
                }
                _ = try await h.dialect.createMessage(threadID: thread, body: ["role": "user", "content": "after"], context: h.context)
                let page = try await h.dialect.listMessages(
                    threadID: thread, page: PageRequest(limit: 2, order: "desc"), runID: nil, context: h.context)
                #expect(page.data.map(\.text) == ["after", "before"] && !page.hasMore)
            }
        }

        @Test func beforeWalksBackwardInBothOrders() async throws {
            try await withResponses { h async throws in
                let (thread, ids) = try await Self.interleavedThread(h)
                let asc = try await h.dialect.listMessages(
                    threadID: thread, page: PageRequest(limit: 2, order: "asc", before: ids[5]), runID: nil, context: h.context)
                #expect(asc.data.map(\.text) == ["m4", "m5"] && asc.hasMore)
                let ascStart = try await h.dialect.listMessages(
                    threadID: thread, page: PageRequest(limit: 5, order: "asc", before: ids[2]), runID: nil, context: h.context)
                #expect(ascStart.data.map(\.text) == ["m1", "m2"] && !ascStart.hasMore)
                let desc = try await h.dialect.listMessages(
                    threadID: thread, page: PageRequest(limit: 2, order: "desc", before: ids[1]), runID: nil, context: h.context)
                #expect(desc.data.map(\.text) == ["m4", "m3"] && desc.hasMore)
                let descEnd = try await h.dialect.listMessages(
                    threadID: thread, page: PageRequest(limit: 3, order: "desc", before: ids[4]), runID: nil, context: h.context)
                #expect(descEnd.data.map(\.text) == ["m7", "m6"] && !descEnd.hasMore)

                // Walking back page by page with `before` visits every message once.
                var seen: [String] = []
                var before: String? = ids[6]
                while let cursor = before {
                    let page = try await h.dialect.listMessages(
                        threadID: thread, page: PageRequest(limit: 2, order: "asc", before: cursor), runID: nil, context: h.context)
                    seen = page.data.map(\.text) + seen
                    before = page.hasMore ? page.firstID : nil
                }
                #expect(seen == ["m1", "m2", "m3", "m4", "m5", "m6"])

                let between = try await h.dialect.listMessages(
                    threadID: thread, page: PageRequest(limit: 10, order: "asc", after: ids[1], before: ids[5]), runID: nil,
                    context: h.context)
                #expect(between.data.map(\.text) == ["m3", "m4", "m5"] && !between.hasMore)
            }
        }
    }
}
