import AssistantsV2
import EventLoop
import JSON
import Testing
import TestSupport

extension AssistantsSocketTests {
    @Suite struct Streaming {
        /// Notes §7, createRun "Streaming": the reply in the simulator's three deltas.
        static let replyOrder = [
            "thread.run.created", "thread.run.queued", "thread.run.in_progress", "thread.run.step.created",
            "thread.run.step.in_progress", "thread.message.created", "thread.message.in_progress", "thread.message.delta",
            "thread.message.delta", "thread.message.delta", "thread.message.completed", "thread.run.step.completed",
            "thread.run.completed", "done",
        ]

        /// Every event of `stream`, in order.
        static func collect(_ stream: AssistantStream) async throws(AssistantsError) -> [AssistantStreamEvent] {
            var events: [AssistantStreamEvent] = []
            for try await event in stream { events.append(event) }
            return events
        }

        static func replyText(_ events: [AssistantStreamEvent]) -> String {
            events.compactMap { event -> String? in
                if case .messageDelta(let delta) = event { return delta.text }
                return nil
            }.joined()
        }

        @Test func runStreamsTheDocumentedOrder() async throws {
            try await withAssistants(timing: streamTiming) { h async throws in
                let thread = try await h.thread(saying: "stream me please")
                let stream = try await h.client.createRunStream(threadID: thread, CreateRunRequest(assistantID: "asst_default"))
                #expect(stream.status == 200)
                #expect(stream.attempts == 1)
                #expect(stream.headers["content-type"]?.hasPrefix("text/event-stream") == true)
                let events = try await Self.collect(stream)
                #expect(events.map(\.name) == Self.replyOrder)
                #expect(Self.replyText(events) == "Echo: stream me please")
                let runs = events.compactMap(\.run)
                #expect(runs.map(\.status) == [.queued, .queued, .inProgress, .completed])
                #expect(Set(runs.map(\.id)).count == 1)
                guard case .message(.completed, let message) = events[10] else {
                    Issue.record("event 10 is \(events[10].name)")
                    return
                }
                #expect(message.text == "Echo: stream me please")
                #expect(message.role == .assistant)
                guard case .runStep(.completed, let step) = events[11] else {
                    Issue.record("event 11 is \(events[11].name)")
                    return
                }
                #expect(step.messageID == message.id)
                #expect((runs.last?.usage?.totalTokens ?? 0) > 0)
                // The run the stream described is the one the upstream kept.
                let stored = try await h.client.retrieveRun(threadID: thread, runID: runs[0].id).value
                #expect(stored.status == .completed)
            }
        }

        @Test func threadAndRunStreamEndsAtRequiresActionAndSubmitStreamsTheRest() async throws {
            try await withAssistants { h async throws in
                let first = try await Self.collect(h.client.createThreadAndRunStream(CreateThreadAndRunRequest(
                    assistantID: "asst_tools", thread: CreateThreadRequest(messages: [.user("get_weather and get_time")]))))
                #expect(
                    first.map(\.name) == [
                        "thread.created", "thread.run.created", "thread.run.queued", "thread.run.in_progress",
                        "thread.run.step.created", "thread.run.step.in_progress", "thread.run.step.delta", "thread.run.step.delta",
                        "thread.run.step.delta", "thread.run.step.delta", "thread.run.requires_action", "done",
                    ])
                guard case .threadCreated(let thread) = first[0], case .run(.requiresAction, let run) = first[10] else {
                    Issue.record("unexpected events \(first.map(\.name))")
                    return
                }
                #expect(run.threadID == thread.id)
                #expect(run.toolCalls.map(\.functionName) == ["get_weather", "get_time"])
                let outputs = zip(run.toolCalls, ["sunny", "noon"]).map { ToolOutput(toolCallID: $0.id, output: $1) }
                let second = try await Self.collect(
                    h.client.submitToolOutputsStream(threadID: thread.id, runID: run.id, outputs))
                let names = second.map(\.name)
                #expect(Array(names.prefix(3)) == ["thread.run.step.completed", "thread.run.queued", "thread.run.in_progress"])
                #expect(Array(names.dropFirst(3)) == Array(Self.replyOrder.dropFirst(3)))
                #expect(Self.replyText(second) == "Echo: get_weather and get_time | tool outputs: get_weather=sunny, get_time=noon")
                guard case .runStep(.completed, let toolStep) = second[0] else {
                    Issue.record("first event \(names[0])")
                    return
                }
                #expect(toolStep.toolCalls.map(\.output) == ["sunny", "noon"])
                #expect(second.last(where: { $0.run != nil })?.run?.status == .completed)
            }
        }

        @Test func cancellingTheTaskMidStreamAbortsTheTransfer() async throws {
            try await withAssistants { h async throws in
                let thread = try await h.thread(saying: "long one [[slow:8000]]")
                let stream = try await h.client.createRunStream(threadID: thread, CreateRunRequest(assistantID: "asst_default"))
                let seenInProgress = LockedValue(false)
                let consumer = Task { () -> (AssistantsError?, [String]) in
                    var names: [String] = []
                    do {
                        for try await event in stream {
                            names.append(event.name)
                            if case .run(.inProgress, _) = event { seenInProgress.withLock { $0 = true } }
                        }
                        return (nil, names)
                    } catch {
                        return (error as? AssistantsError, names)
                    }
                }
                #expect(await eventually(pollInterval: .milliseconds(5)) { seenInProgress.withLock { $0 } })
                let cancelledAt = monotonicMillis()
                consumer.cancel()
                let (error, names) = await consumer.value
                #expect(monotonicMillis() - cancelledAt < 4_000, "the 8 s run was waited for")
                #expect(error?.isCancelled == true)
                #expect(error?.kind == .transport)
                #expect(Array(names.prefix(3)) == ["thread.run.created", "thread.run.queued", "thread.run.in_progress"])
                #expect(!names.contains("thread.message.delta") && !names.contains("done"), "cut before the 8 s reply")
                // The simulator sees its client go (on a quiet machine within milliseconds; under a
                // loaded sanitizer build it may only notice when it next writes). The run is not
                // cancelled by the client leaving: it goes on upstream.
                let finished = await eventually(timeout: .seconds(12), pollInterval: .milliseconds(5)) {
                    h.accessLog.withLock { log in log.contains { $0.method == "POST" && $0.path.hasSuffix("/runs") } }
                }
                #expect(finished)
                let run = try await h.client.listRuns(threadID: thread).value.data.first
                let status = run?.status
                let goesOn = status == .inProgress || status == .completed
                #expect(goesOn, "the run itself goes on upstream")
                let runID = run?.id ?? ""
                _ = try? await h.client.cancelRun(threadID: thread, runID: runID)
            }
        }

        @Test func droppingTheStreamAbortsTheTransfer() async throws {
            try await withAssistants { h async throws in
                let thread = try await h.thread(saying: "long one [[slow:30000]]")
                var stream: AssistantStream? = try await h.client.createRunStream(
                    threadID: thread, CreateRunRequest(assistantID: "asst_default"))
                var iterator = stream!.makeAsyncIterator()
                #expect(try await iterator.next()?.name == "thread.run.created")
                _ = consume iterator
                stream = nil
                // The client ends the transfer at once: not when the 30 s run would end the stream.
                let aborted = await eventually(timeout: .seconds(10), pollInterval: .milliseconds(5)) {
                    await h.transfersInFlight() == 0
                }
                #expect(aborted, "the dropped stream's transfer went on")
                let run = try await h.client.listRuns(threadID: thread).value.data.first
                _ = try await h.client.cancelRun(threadID: thread, runID: run!.id)
                // The simulator sees its client go: at once on a quiet machine; under a loaded
                // sanitizer build perhaps only when it next writes (the cancelled run's events).
                let finished = await eventually(timeout: .seconds(10), pollInterval: .milliseconds(5)) {
                    h.accessLog.withLock { log in log.contains { $0.method == "POST" && $0.path.hasSuffix("/runs") } }
                }
                #expect(finished)
            }
        }
    }
}
