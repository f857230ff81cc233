import EventLoop
import HTTPRouting
import JSON
import UpstreamAPI

/// Follows one run until it settles (ends, or needs tool outputs) or the wait is over:
/// by its event stream — one upstream request for the whole run — or, where streaming is
/// unavailable or breaks, by polling that honours `openai-poll-after-ms` and backs off.
struct RunFollower: Sendable {
    let dialect: any UpstreamDialect
    let upstreamThreadID: String
    let settings: AskSettings
    let drain: DrainSignal
    let alarms: AlarmClock
    let streams: SlotBudget
    let polls: SlotBudget
    let context: UpstreamCallContext

    /// How the run begins.
    enum Start: Sendable {
        /// A new run (`body` is the upstream run request).
        case create(JSONObject)
        /// Tool outputs for `runID`.
        case submit(runID: String, JSONObject)
        /// A run already under way.
        case existing(runID: String)
    }

    /// Why the follow stopped.
    enum Ending: Sendable, Equatable {
        /// The run ended or needs tool outputs.
        case settled
        /// The wait budget ran out; the run goes on.
        case budget
        /// The server is shutting down; the run goes on.
        case draining
    }

    struct Outcome: Sendable {
        var run: UpstreamRun
        /// The assistant messages the run added (this round), in order.
        var messages: [JSONObject]
        var ending: Ending
        /// Upstream requests this follow cost.
        var upstreamRequests: Int
        /// Whether the events came by stream (false: polled).
        var streamed: Bool
    }

    /// What the follow has seen so far; shared with the task reading the stream.
    final class Progress: Sendable {
        private struct State {
            var run: UpstreamRun?
            var messages: [JSONObject] = []
            var requests = 0
            var streamed = false
        }

        private let state = LockedValue(State())

        var run: UpstreamRun? { state.withLock { $0.run } }
        var messages: [JSONObject] { state.withLock { $0.messages } }
        var requests: Int { state.withLock { $0.requests } }
        var streamed: Bool { state.withLock { $0.streamed } }

        func saw(_ run: UpstreamRun) { state.withLock { $0.run = run } }
        func counted(_ requests: Int = 1) { state.withLock { $0.requests += requests } }
        func markStreamed() { state.withLock { $0.streamed = true } }
        func sawMessage(_ message: JSONObject) {
            guard message["role"]?.stringValue == "assistant" else { return }
            state.withLock { state in
                if let index = state.messages.firstIndex(where: { $0["id"] == message["id"] }) {
                    state.messages[index] = message
                } else {
                    state.messages.append(message)
                }
            }
        }
        func replaceMessages(_ messages: [JSONObject]) { state.withLock { $0.messages = messages } }
    }

    /// Follows the run until `deadline`; `onEvent` sees each event (for server-sent events).
    /// - Throws: `UpstreamAPIError` when the run could not be started or followed at all.
    func follow(
        _ start: Start, until deadline: ContinuousClock.Instant,
        onEvent: (@Sendable (RunStreamEvent) async -> Void)? = nil
    ) async throws -> Outcome {
        let progress = Progress()
        var ending = Ending.budget
        var streamSlot = settings.mode == .stream && takeStreamSlot(start)
        defer { if streamSlot { streams.release() } }
        let stream = streamSlot ? try await openStream(start, progress) : nil
        if streamSlot, stream == nil {
            streams.release()  // this upstream does not stream: the slot is not used
            streamSlot = false
        }
        if let stream {
            progress.markStreamed()
            // The run's id comes first, whatever the budget: without it the answer could not
            // name the run that goes on (a 202 must say where to wait).
            let settledEarly = try await readStream(stream, progress, onEvent, untilRunKnown: true)
            let streamEnding = settledEarly ? .settled : try await readStream(stream, progress, onEvent, until: deadline)
            ending = streamEnding ?? .budget
            if streamEnding == nil, ContinuousClock.now < deadline, progress.run != nil {
                // The stream ended early (broken or cut): poll for the rest.
                ending = try await poll(progress, deadline: deadline, onEvent: onEvent)
            }
        } else {
            if progress.run == nil {
                try await inChildTask { try await startWithoutStream(start, progress) }
                if let run = progress.run { await onEvent?(.run(run)) }
            }
            if let run = progress.run, Self.isSettled(run.status) {
                ending = .settled
            } else {
                ending = try await poll(progress, deadline: deadline, onEvent: onEvent)
            }
        }
        guard let run = progress.run else {
            throw UpstreamAPIError(kind: .invalidResponse, message: "the run's stream ended before the run was created")
        }
        if ending == .settled, !progress.streamed || progress.messages.isEmpty, run.status != .requiresAction {
            try await fetchMessages(run.id, progress)
        }
        return Outcome(
            run: run, messages: ending == .settled ? progress.messages : [], ending: ending, upstreamRequests: progress.requests,
            streamed: progress.streamed)
    }

    static func isSettled(_ status: RunState) -> Bool { status.isTerminal || status == .requiresAction }

    // MARK: Streaming

    /// A slot of the stream budget for `start`; false (poll) when none is free. Waiting for an
    /// existing run does not open a stream.
    @inline(never)
    private func takeStreamSlot(_ start: Start) -> Bool {
        if case .existing = start { return false }
        if streams.tryAcquire() { return true }
        AskMetrics.streamBudgetExhausted.increment()
        return false
    }

    /// Opens the run's stream; nil when this upstream cannot stream (or the run exists already).
    /// The request goes out from a child task (``inChildTask(_:)``): the stream outlives it.
    @inline(never)
    private func openStream(_ start: Start, _ progress: Progress) async throws -> (any RunEventStream)? {
        do {
            switch start {
            case .create(let body):
                progress.counted()
                return try await inChildTask {
                    try await dialect.createRunStreaming(threadID: upstreamThreadID, body: body, context: context)
                }
            case .submit(let runID, let body):
                progress.counted()
                return try await inChildTask {
                    try await dialect.submitToolOutputsStreaming(
                        threadID: upstreamThreadID, runID: runID, body: body, context: context)
                }
            case .existing:
                return nil
            }
        } catch let error as UpstreamAPIError where error.kind == .unsupported {
            progress.counted(-1)
            return nil
        }
    }

    /// Reads events until the run settles (`.settled`), the deadline passes (`.budget`) or
    /// draining begins (`.draining`); the last two cancel the stream from a callback, so the
    /// read keeps no task besides the caller's. Nil when the stream ended without settling.
    @inline(never)
    private func readStream(
        _ stream: any RunEventStream, _ progress: Progress, _ onEvent: (@Sendable (RunStreamEvent) async -> Void)?,
        until deadline: ContinuousClock.Instant
    ) async throws -> Ending? {
        let interruption = WaitInterruption(deadline: deadline, alarms: alarms, drain: drain) { stream.cancel() }
        defer { interruption.end() }
        let settled: Bool
        do {
            settled = try await readStream(stream, progress, onEvent)
        } catch {
            guard let reason = interruption.reason else { throw error }
            return Self.ending(reason)
        }
        if settled { return .settled }
        return interruption.reason.map(Self.ending)
    }

    private static func ending(_ reason: WaitInterruption.Reason) -> Ending {
        switch reason {
        case .deadline: .budget
        case .draining: .draining
        }
    }

    /// Reads events until the run settles (true) or the stream ends without that (false).
    /// With `untilRunKnown`, stops (false) at the first run event unless that one settles.
    @inline(never)
    private func readStream(
        _ stream: any RunEventStream, _ progress: Progress, _ onEvent: (@Sendable (RunStreamEvent) async -> Void)?,
        untilRunKnown: Bool = false
    ) async throws -> Bool {
        while true {
            let next: Result<RunStreamEvent?, UpstreamAPIError>
            do {
                next = .success(try await stream.next())
            } catch {
                next = .failure(error)
            }
            guard let event = try Self.absorb(next, into: progress) else { return false }
            await onEvent?(event)
            if case .run(let run) = event {
                if Self.isSettled(run.status) { return true }
                if untilRunKnown { return false }
            }
        }
    }

    /// Records what a read gave: the event, or nil when the stream ended (or broke, for a run
    /// that exists: polling takes over). Out of line, so the waiting read's frame stays small.
    @inline(never)
    private static func absorb(_ next: Result<RunStreamEvent?, UpstreamAPIError>, into progress: Progress) throws -> RunStreamEvent? {
        let event: RunStreamEvent?
        switch next {
        case .success(let value):
            event = value
        case .failure(let error):
            if error.kind != .cancelled, progress.run != nil { return nil }
            throw error
        }
        switch event {
        case .run(let run)?:
            progress.saw(run)
        case .messageCompleted(let message)?:
            progress.sawMessage(message)
        case .messageDelta?, nil:
            break
        }
        return event
    }

    // MARK: Polling

    @inline(never)
    private func startWithoutStream(_ start: Start, _ progress: Progress) async throws(UpstreamAPIError) {
        progress.counted()
        switch start {
        case .create(let body):
            progress.saw(try await dialect.createRun(threadID: upstreamThreadID, body: body, context: context))
        case .submit(let runID, let body):
            progress.saw(try await dialect.submitToolOutputs(threadID: upstreamThreadID, runID: runID, body: body, context: context))
        case .existing(let runID):
            progress.saw(try await dialect.retrieveRun(threadID: upstreamThreadID, runID: runID, context: context))
        }
    }

    /// Polls the run until it settles, the deadline, or draining. Between polls the wait holds
    /// no task besides the caller's (a ``WaitInterruption`` ends each pause).
    @inline(never)
    private func poll(
        _ progress: Progress, deadline: ContinuousClock.Instant, onEvent: (@Sendable (RunStreamEvent) async -> Void)?
    ) async throws -> Ending {
        guard let first = progress.run else { return .budget }
        let runID = first.id
        var pause = first.pollAfter ?? settings.pollInitial
        while true {
            let pauseEnd = min(deadline, ContinuousClock.now + pause)
            let interruption = WaitInterruption(deadline: pauseEnd, alarms: alarms, drain: drain)
            await interruption.pause()
            interruption.end()
            try Task.checkCancellation()  // the client went away
            if interruption.reason == .draining { return .draining }
            if ContinuousClock.now >= deadline { return .budget }
            // Every poll slot in flight: wait in line for one (first come, first served).
            switch await polls.acquire(until: deadline, alarms: alarms, drain: drain) {
            case .acquired: break
            case .deadline: return .budget
            case .draining: return .draining
            case .cancelled: throw CancellationError()
            }
            progress.counted()
            let retrieved: RaceResult<UpstreamRun>
            do {
                retrieved = try await race(until: deadline) { [dialect, upstreamThreadID, context] in
                    try await dialect.retrieveRun(threadID: upstreamThreadID, runID: runID, context: context)
                }
                polls.release()
            } catch {
                polls.release()
                throw error
            }
            let run: UpstreamRun
            switch retrieved {
            case .finished(let value): run = value
            case .deadline: return .budget
            case .drained: return .draining
            }
            if run.status != progress.run?.status { await onEvent?(.run(run)) }
            progress.saw(run)
            if Self.isSettled(run.status) { return .settled }
            pause = run.pollAfter ?? min(pause * 3 / 2, settings.pollMaximum)
        }
    }

    /// The assistant messages of the run, oldest first (one list call).
    @inline(never)
    private func fetchMessages(_ runID: String, _ progress: Progress) async throws(UpstreamAPIError) {
        progress.counted()
        let page = try await dialect.listMessages(
            threadID: upstreamThreadID, page: PageRequest(limit: 100, order: "asc"), runID: runID, context: context)
        progress.replaceMessages(page.data.filter { $0["role"]?.stringValue == "assistant" })
    }

    // MARK: Racing the clock

    enum RaceResult<T: Sendable>: Sendable {
        case finished(T)
        case deadline
        case drained
    }

    /// Runs `body` in a task of its own until it finishes, `deadline` passes, or draining
    /// begins; in the last two cases the task is cancelled and what it would give is dropped.
    private func race<T: Sendable>(
        until deadline: ContinuousClock.Instant, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> RaceResult<T> {
        let task = Task { try await body() }
        let interruption = WaitInterruption(deadline: deadline, alarms: alarms, drain: drain) { task.cancel() }
        defer { interruption.end() }
        let result = await withTaskCancellationHandler { await task.result } onCancel: { task.cancel() }
        if case .failure = result, let reason = interruption.reason {
            return reason == .deadline ? .deadline : .drained
        }
        return .finished(try result.get())
    }
}
