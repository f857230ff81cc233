/// The run state machine of the upstream (notes §4) as a value: no I/O, no clock.
///
/// Events are methods (`timeReached`, `cancelRequested`, `toolOutputsSubmitted`) that take the
/// time as a parameter and return the orders (`Action`s) the owner must carry out, in order,
/// each stamped with the instant it happened — which may lie before `now` when time was
/// skipped, so a run observed late still has realistic `started_at`/`completed_at`.
///
/// ```
/// queued ─▶ in_progress ─▶ completed | incomplete | failed | expired | cancelling ─▶ cancelled
///               │  ▲
///               ▼  │ submit_tool_outputs (─▶ queued)
///          requires_action
/// ```
/// Any active state but `cancelling` expires at `expiresAt`; `cancel` moves queued,
/// in_progress and requires_action to `cancelling`.
public struct RunLifecycle: Sendable, Hashable {
    /// `S.RunObject.status`.
    public enum Status: String, Sendable, Hashable, CaseIterable {
        case queued, inProgress = "in_progress", requiresAction = "requires_action", cancelling, cancelled, failed,
            completed, incomplete, expired

        /// completed, failed, cancelled, expired and incomplete.
        public var isTerminal: Bool {
            switch self {
            case .queued, .inProgress, .requiresAction, .cancelling: false
            case .cancelled, .failed, .completed, .incomplete, .expired: true
            }
        }
    }

    /// What an `in_progress` stretch produces.
    public enum Work: Sendable, Hashable {
        /// Tool calls of round `round` (0-based), ending in `requires_action`.
        case toolCalls(round: Int)
        /// The assistant's reply, streamed in `replyChunks` deltas.
        case reply
        /// Nothing: the run then fails, expires or cancels itself.
        case silent
    }

    enum Phase: Sendable, Hashable {
        case queued(until: Int64)
        case working(Work, from: Int64, until: Int64, chunksDone: Int)
        case awaitingToolOutputs(round: Int)
        case cancelling(until: Int64)
        case ended(Status)
    }

    /// Orders for the owner, each at the instant it happened (Unix milliseconds).
    public enum Action: Sendable, Hashable {
        /// queued → in_progress (set `started_at`).
        case startWorking(at: Int64)
        /// Create the tool-calls run step (in_progress, no calls yet).
        case beginToolCalls(round: Int, at: Int64)
        /// Fill the step's calls and move to requires_action with them.
        case requestToolOutputs(round: Int, at: Int64)
        /// requires_action → queued: complete the tool-calls step with the outputs.
        case acceptToolOutputs(round: Int, at: Int64)
        /// Create the message-creation step and the assistant message (in_progress, empty).
        case beginReply(at: Int64)
        /// Append chunk `index` of `count` of the reply to the message.
        case emitReplyChunk(index: Int, count: Int, at: Int64)
        /// Complete message, step and run.
        case completeReply(at: Int64)
        /// End the message `incomplete` and the run `incomplete` (`max_completion_tokens`).
        case truncateReply(at: Int64)
        /// End the run `failed` (`server_error`).
        case fail(at: Int64)
        /// End the run `expired`.
        case expire(at: Int64)
        /// Any active state → cancelling.
        case beginCancelling(at: Int64)
        /// cancelling → cancelled.
        case finishCancelling(at: Int64)
    }

    /// Why an event was refused; carries the status the run had.
    public struct Refusal: Error, Sendable, Hashable {
        public let status: Status
        public init(status: Status) { self.status = status }
    }

    /// Deltas a reply is streamed in.
    public static let replyChunks = 3

    public let createdAt: Int64
    /// When an active run expires: `createdAt + timing.expiryMillis`.
    public let expiresAt: Int64
    public let plan: RunPlan
    public let timing: RunTiming
    private(set) var phase: Phase
    /// Tool rounds whose outputs were accepted.
    public private(set) var roundsDone = 0

    public init(createdAt: Int64, plan: RunPlan, timing: RunTiming) {
        self.createdAt = createdAt
        self.plan = plan
        self.timing = timing
        expiresAt = createdAt + timing.expiryMillis
        phase = .queued(until: createdAt + timing.queuedMillis)
    }

    public var status: Status {
        switch phase {
        case .queued: .queued
        case .working: .inProgress
        case .awaitingToolOutputs: .requiresAction
        case .cancelling: .cancelling
        case .ended(let status): status
        }
    }

    /// The next instant at which `timeReached` would change something; nil once ended.
    public var nextDeadline: Int64? {
        switch phase {
        case .queued(let until):
            return min(until, expiresAt)
        case .working(let work, let from, let until, let chunksDone):
            if work == .reply, chunksDone < Self.replyChunks {
                return min(Self.chunkTime(from: from, until: until, index: chunksDone), expiresAt)
            }
            return min(until, expiresAt)
        case .awaitingToolOutputs:
            return expiresAt
        case .cancelling(let until):
            return until
        case .ended:
            return nil
        }
    }

    // MARK: Events

    /// Time has reached `now`: performs every transition due by then, in order.
    public mutating func timeReached(_ now: Int64) -> [Action] {
        var actions: [Action] = []
        while let deadline = nextDeadline, deadline <= now {
            step(into: &actions)
        }
        return actions
    }

    /// `POST …/cancel` at `now` (after `timeReached(now)`).
    /// - Throws: `Refusal` when the run is already cancelling or ended.
    public mutating func cancelRequested(at now: Int64) throws(Refusal) -> [Action] {
        switch phase {
        case .queued, .working, .awaitingToolOutputs:
            phase = .cancelling(until: now + timing.cancelMillis)
            return [.beginCancelling(at: now)]
        case .cancelling, .ended:
            throw Refusal(status: status)
        }
    }

    /// `POST …/submit_tool_outputs` at `now` (after `timeReached(now)`).
    /// - Throws: `Refusal` unless the run is in requires_action.
    public mutating func toolOutputsSubmitted(at now: Int64) throws(Refusal) -> [Action] {
        switch phase {
        case .awaitingToolOutputs(let round):
            roundsDone = round + 1
            phase = .queued(until: now + timing.queuedMillis)
            return [.acceptToolOutputs(round: round, at: now)]
        case .queued, .working, .cancelling, .ended:
            throw Refusal(status: status)
        }
    }

    // MARK: Transitions

    /// Performs the one transition due at the current `nextDeadline`.
    private mutating func step(into actions: inout [Action]) {
        switch phase {
        case .queued(let until):
            if expiresAt < until {
                expire(at: expiresAt, into: &actions)
                return
            }
            let work = nextWork()
            let end = until + (plan.workMillis ?? timing.workMillis)
            phase = .working(work, from: until, until: end, chunksDone: 0)
            actions.append(.startWorking(at: until))
            switch work {
            case .toolCalls(let round): actions.append(.beginToolCalls(round: round, at: until))
            case .reply: actions.append(.beginReply(at: until))
            case .silent: break
            }
        case .working(let work, let from, let until, let chunksDone):
            let chunkDue = work == .reply && chunksDone < Self.replyChunks
            let natural = chunkDue ? Self.chunkTime(from: from, until: until, index: chunksDone) : until
            if expiresAt < natural {
                expire(at: expiresAt, into: &actions)
                return
            }
            if chunkDue {
                phase = .working(work, from: from, until: until, chunksDone: chunksDone + 1)
                actions.append(.emitReplyChunk(index: chunksDone, count: Self.replyChunks, at: natural))
                return
            }
            finishWork(work, at: until, into: &actions)
        case .awaitingToolOutputs:
            expire(at: expiresAt, into: &actions)
        case .cancelling(let until):
            phase = .ended(.cancelled)
            actions.append(.finishCancelling(at: until))
        case .ended(let status):
            preconditionFailure("stepped an ended run (\(status.rawValue))")
        }
    }

    private mutating func finishWork(_ work: Work, at time: Int64, into actions: inout [Action]) {
        switch work {
        case .toolCalls(let round):
            phase = .awaitingToolOutputs(round: round)
            actions.append(.requestToolOutputs(round: round, at: time))
        case .reply:
            switch plan.ending {
            case .incomplete:
                phase = .ended(.incomplete)
                actions.append(.truncateReply(at: time))
            case .complete, .fail, .expire, .cancel:
                phase = .ended(.completed)
                actions.append(.completeReply(at: time))
            }
        case .silent:
            switch plan.ending {
            case .fail:
                phase = .ended(.failed)
                actions.append(.fail(at: time))
            case .expire:
                expire(at: time, into: &actions)
            case .cancel:
                phase = .cancelling(until: time + timing.cancelMillis)
                actions.append(.beginCancelling(at: time))
            case .complete, .incomplete:
                preconditionFailure("silent work for ending \(plan.ending.rawValue)")
            }
        }
    }

    private mutating func expire(at time: Int64, into actions: inout [Action]) {
        phase = .ended(.expired)
        actions.append(.expire(at: time))
    }

    private func nextWork() -> Work {
        if roundsDone < plan.toolRounds { return .toolCalls(round: roundsDone) }
        switch plan.ending {
        case .complete, .incomplete: return .reply
        case .fail, .expire, .cancel: return .silent
        }
    }

    /// Chunk `index` of a reply between `from` and `until`: evenly spaced, the last one
    /// strictly before the end so the completion follows it.
    static func chunkTime(from: Int64, until: Int64, index: Int, count: Int = replyChunks) -> Int64 {
        from + (until - from) * Int64(index + 1) / Int64(count + 1)
    }
}
