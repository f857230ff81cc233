import JSON
import ResponsesV1
import Simulator
import Testing
import TestSupport
import UpstreamAPI

extension ResponsesSocketTests {
    @Suite struct Streaming {
        static let responsesRoute = "POST /v1/responses"
        static let responseRoute = "GET /v1/responses/{response_id}"
        static let conversationRoute = "GET /v1/conversations/{conversation_id}"

        static func ask(_ text: String, assistant: String = "asst_default") -> JSONObject {
            ["assistant_id": .string(assistant), "additional_messages": [["role": "user", "content": .string(text)]]]
        }

        /// The run's object as `retrieveRun` gives it, for comparison with the stream's last.
        static func expectSameRun(
            _ streamed: UpstreamRun?, _ retrieved: UpstreamRun, sourceLocation: SourceLocation = #_sourceLocation
        ) {
            #expect(streamed?.id == retrieved.id, sourceLocation: sourceLocation)
            #expect(streamed?.status == retrieved.status, sourceLocation: sourceLocation)
            #expect(streamed?.object == retrieved.object, sourceLocation: sourceLocation)
        }

        @Test func streamedRunRelaysStatusesDeltasAndTheMessageInOrder() async throws {
            try await withResponses { h async throws in
                let thread = try await h.thread()
                var body = Self.ask("hello stream, say it back")
                body["metadata"] = ["turn": "1"]
                let stream = try await h.dialect.createRunStreaming(threadID: thread, body: body, context: h.context)
                let events = try await h.drain(stream)
                #expect(events.compactMap(\.run?.status) == [.queued, .inProgress, .completed])
                let runID = try #require(events.first?.run?.id)
                #expect(runID.hasPrefix("resp_") && events.compactMap(\.run?.id).allSatisfy { $0 == runID })
                // Order: the run's statuses, its deltas, the completed message, the terminal run last.
                let kinds = events.map(\.kind)
                #expect(kinds.first == "run" && kinds.last == "run")
                let firstDelta = try #require(kinds.firstIndex(of: "delta"))
                let message = try #require(kinds.firstIndex(of: "message"))
                #expect(kinds.firstIndex(of: "run") ?? 0 < firstDelta && firstDelta < message && message < kinds.count - 1)
                #expect(kinds.filter { $0 == "message" }.count == 1)
                #expect(!kinds[firstDelta...].dropLast().contains("run"), "no status change between the first delta and the end")
                let completed = try #require(events[message].message)
                #expect(events.compactMap(\.delta).allSatisfy { $0.messageID == completed["id"]?.stringValue })
                #expect(events.compactMap(\.delta).map(\.text).joined() == "Echo: hello stream, say it back")
                // One request for the whole run: nothing resumed, and the conversation's
                // created_at (the message's) known from its creation.
                #expect(await h.requests(Self.responsesRoute, settlingAt: 1) == 1)
                #expect(await h.requests(Self.responseRoute, settlingAt: 0) == 0)
                #expect(await h.requests(Self.conversationRoute, settlingAt: 0) == 0)

                // The same run and message as the polling path shows them.
                let retrieved = try await h.dialect.retrieveRun(threadID: thread, runID: runID, context: h.context)
                Self.expectSameRun(events.last?.run, retrieved)
                #expect(retrieved.object["metadata"] == ["turn": "1"] && retrieved.usage != nil)
                let listed = try await h.dialect.listMessages(threadID: thread, page: PageRequest(), runID: runID, context: h.context)
                #expect(listed.data == [completed])

                // A dialect instance that never saw the conversation reads it once, for the message.
                let other = h.dialect { _ in }
                let before = await h.requests(Self.conversationRoute, settlingAt: 0)
                let again = try await h.drain(
                    try await other.createRunStreaming(threadID: thread, body: Self.ask("and again"), context: h.context))
                #expect(await h.requests(Self.conversationRoute, settlingAt: before + 1) == before + 1)
                let answer = try #require(again.compactMap(\.message).first)
                let runAgain = try #require(again.last?.run)
                let listedAgain = try await h.dialect.listMessages(
                    threadID: thread, page: PageRequest(), runID: runAgain.id, context: h.context)
                #expect(listedAgain.data == [answer])
            }
        }

        @Test func streamedToolRoundsKeepOneRunID() async throws {
            try await withResponses { h async throws in
                let thread = try await h.thread()
                let stream = try await h.dialect.createRunStreaming(
                    threadID: thread, body: Self.ask("use get_weather and get_time [[rounds:2]]", assistant: "asst_tools"),
                    context: h.context)
                var events = try await h.drain(stream)
                #expect(events.compactMap(\.run?.status) == [.queued, .inProgress, .requiresAction])
                #expect(!events.contains { $0.message != nil })
                var run = try #require(events.last?.run)
                let runID = run.id
                Self.expectSameRun(run, try await h.dialect.retrieveRun(threadID: thread, runID: runID, context: h.context))

                for (round, last) in [(1, RunState.requiresAction), (2, .completed)] {
                    let calls = ToolRounds.calls(run)
                    #expect(calls.count == 2, "round \(round)")
                    let next = try await h.dialect.submitToolOutputsStreaming(
                        threadID: thread, runID: runID,
                        body: ToolRounds.outputs(calls, ["get_weather": "w\(round)", "get_time": "t\(round)"]), context: h.context)
                    events = try await h.drain(next)
                    #expect(events.compactMap(\.run?.status) == [.queued, .inProgress, last], "round \(round)")
                    #expect(events.compactMap(\.run?.id).allSatisfy { $0 == runID }, "round \(round)")
                    run = try #require(events.last?.run)
                    Self.expectSameRun(run, try await h.dialect.retrieveRun(threadID: thread, runID: runID, context: h.context))
                }
                let messages = events.compactMap(\.message)
                #expect(messages.map(\.text) == ["Echo: use get_weather and get_time | tool outputs: get_weather=w1, get_time=t1, get_weather=w2, get_time=t2"])
                let listed = try await h.dialect.listMessages(threadID: thread, page: PageRequest(), runID: runID, context: h.context)
                #expect(listed.data == messages)
                let usage = try #require(run.usage)
                #expect((usage["prompt_tokens"]?.intValue ?? 0) > 0 && (usage["completion_tokens"]?.intValue ?? 0) > 0)
            }
        }

        @Test func failedIncompleteAndCancelledRunsEndTheirStreams() async throws {
            try await withResponses { h async throws in
                let thread = try await h.thread()
                // A response that cancels itself sends no terminal event: its stream just ends,
                // and one look at the response tells how.
                var events = try await h.drain(
                    try await h.dialect.createRunStreaming(threadID: thread, body: Self.ask("please [[cancel]]"), context: h.context))
                var run = try #require(events.last?.run)
                #expect(events.compactMap(\.run?.status) == [.queued, .inProgress, .cancelled])
                #expect(await h.requests(Self.responseRoute, settlingAt: 1) == 1)
                Self.expectSameRun(run, try await h.dialect.retrieveRun(threadID: thread, runID: run.id, context: h.context))

                events = try await h.drain(
                    try await h.dialect.createRunStreaming(threadID: thread, body: Self.ask("please [[fail]]"), context: h.context))
                run = try #require(events.last?.run)
                #expect(events.compactMap(\.run?.status) == [.queued, .inProgress, .failed])
                #expect(run.object["last_error"]?["code"] == "server_error")
                Self.expectSameRun(run, try await h.dialect.retrieveRun(threadID: thread, runID: run.id, context: h.context))

                events = try await h.drain(
                    try await h.dialect.createRunStreaming(
                        threadID: thread, body: Self.ask("one two three four [[incomplete]]"), context: h.context))
                run = try #require(events.last?.run)
                #expect(run.status == .incomplete && run.object["incomplete_details"] == ["reason": "max_completion_tokens"])
                Self.expectSameRun(run, try await h.dialect.retrieveRun(threadID: thread, runID: run.id, context: h.context))
                let half = try #require(events.compactMap(\.message).first)
                #expect(half["status"] == "incomplete" && half.text == "Echo: one")
                let listed = try await h.dialect.listMessages(threadID: thread, page: PageRequest(), runID: run.id, context: h.context)
                #expect(listed.data == [half])

                // Cancelled by a request while it streams.
                let stream = try await h.dialect.createRunStreaming(
                    threadID: thread, body: Self.ask("long one [[slow:3000]]"), context: h.context)
                let first = try #require(try await stream.next()?.run)
                _ = try await h.dialect.cancelRun(threadID: thread, runID: first.id, context: h.context)
                events = try await h.drain(stream)
                #expect(events.last?.run?.status == .cancelled)
                Self.expectSameRun(events.last?.run, try await h.dialect.retrieveRun(threadID: thread, runID: first.id, context: h.context))
            }
        }

        @Test func aCutStreamResumesAfterItsLastEventAndDeliversEachOnce() async throws {
            var faults = FaultSettings()
            faults.streamCutAfterEvents = 5
            try await withResponses(faults: faults) { h async throws in
                let thread = try await h.thread()
                let text = "resume me twice, every word once"
                let stream = try await h.dialect.createRunStreaming(threadID: thread, body: Self.ask(text), context: h.context)
                let events = try await h.drain(stream)
                // 12 events, 5 a connection: the request and two resumes.
                #expect(await h.requests(Self.responsesRoute, settlingAt: 1) == 1)
                #expect(await h.requests(Self.responseRoute, settlingAt: 2) == 2)
                #expect(h.server.stats.faults("stream_cut") == 2)
                #expect(events.compactMap(\.run?.status) == [.queued, .inProgress, .completed])
                #expect(events.compactMap(\.delta).map(\.text).joined() == "Echo: \(text)")
                let messages = events.compactMap(\.message)
                #expect(messages.map(\.text) == ["Echo: \(text)"])
                let run = try #require(events.last?.run)
                Self.expectSameRun(run, try await h.dialect.retrieveRun(threadID: thread, runID: run.id, context: h.context))
                let listed = try await h.dialect.listMessages(threadID: thread, page: PageRequest(), runID: run.id, context: h.context)
                #expect(listed.data == messages)
            }
        }

        @Test func aStreamThatCannotBeResumedThrowsAndTheRunCanBePolled() async throws {
            var faults = FaultSettings()
            faults.streamDropRate = 1
            try await withResponses(faults: faults) { h async throws in
                let thread = try await h.thread()
                let stream = try await h.dialect.createRunStreaming(threadID: thread, body: Self.ask("break me"), context: h.context)
                var events: [RunStreamEvent] = []
                let error = await upstreamError { () async throws(UpstreamAPIError) in
                    while let event = try await stream.next() { events.append(event) }
                }
                #expect(error != nil && error?.kind != .cancelled, "\(String(describing: error))")
                // One event a connection: the run is known (queued, then in progress) but never settles.
                let statuses = events.compactMap(\.run?.status)
                #expect(statuses.first == .queued && !statuses.contains { $0.isTerminal })
                #expect(await h.requests(Self.responseRoute, settlingAt: 2) == 2, "two resumes, then the caller's turn")
                let runID = try #require(events.first?.run?.id)
                #expect(try await h.waitForRun(thread, runID).status == .completed)
            }
        }

        @Test func cancelStopsReadingAndTheRunGoesOn() async throws {
            try await withResponses { h async throws in
                let thread = try await h.thread()
                let stream = try await h.dialect.createRunStreaming(
                    threadID: thread, body: Self.ask("take your time [[slow:4000]]"), context: h.context)
                let first = try #require(try await stream.next()?.run)
                let reader = Task { () async -> UpstreamAPIError? in
                    do throws(UpstreamAPIError) {
                        while try await stream.next() != nil {}
                        return nil
                    } catch {
                        return error
                    }
                }
                try await Task.sleep(for: .milliseconds(100))
                let started = monotonicMillis()
                stream.cancel()
                let error = await reader.value
                #expect(error?.kind == .cancelled)
                #expect(monotonicMillis() - started < 2_500, "the read waited for the 4 s run")
                #expect(await h.requests(Self.responseRoute, settlingAt: 0) == 0, "no resume after cancel")
                // The upstream run goes on.
                #expect(try await h.waitForRun(thread, first.id, timeout: 10_000).status == .completed)
            }
        }
    }
}

extension RunStreamEvent {
    var run: UpstreamRun? {
        if case .run(let run) = self { return run }
        return nil
    }

    var delta: (messageID: String, text: String)? {
        if case .messageDelta(let id, let text) = self { return (id, text) }
        return nil
    }

    var message: JSONObject? {
        if case .messageCompleted(let message) = self { return message }
        return nil
    }

    var kind: String {
        switch self {
        case .run: "run"
        case .messageDelta: "delta"
        case .messageCompleted: "message"
        }
    }
}
