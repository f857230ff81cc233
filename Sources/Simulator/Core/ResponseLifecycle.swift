/// The life of one Responses API response as a value: no I/O, no clock.
///
/// Events are methods (`timeReached`, `cancelRequested`) that take the time as a parameter and
/// return the orders (`Action`s) the owner carries out, in order, each stamped with the
/// instant it was due — which may lie before `now` when time was skipped.
///
/// ```
/// queued ─▶ in_progress ─▶ completed | incomplete | failed | cancelled
///    └──────────┴── cancel (background only, checked by the owner) ─▶ cancelled
/// ```
/// Unlike a run there is no `requires_action`: a response that calls functions *completes*
/// with `function_call` items, and the caller answers in a new response. It reuses
/// `RunTiming` (queued and work stretches) and `RunPlan` (the markers of `RunScript`).
public struct ResponseLifecycle: Sendable, Hashable {
    /// `Response.status`.
    public enum Status: String, Sendable, Hashable, CaseIterable {
        case queued, inProgress = "in_progress", completed, failed, cancelled, incomplete

        public var isTerminal: Bool {
            switch self {
            case .queued, .inProgress: false
            case .completed, .failed, .cancelled, .incomplete: true
            }
        }
    }

    /// What the `in_progress` stretch produces.
    public enum Work: Sendable, Hashable {
        /// Output items (a message, or function calls), written in `chunks` pieces.
        case output
        /// Nothing: the response then fails or cancels itself.
        case silent
    }

    enum Phase: Sendable, Hashable {
        case queued(until: Int64)
        case working(Work, from: Int64, until: Int64, chunksDone: Int)
        case ended(Status)
    }

    /// Orders for the owner, each at the instant it happened (Unix milliseconds).
    public enum Action: Sendable, Hashable {
        /// queued → in_progress.
        case startWorking(at: Int64)
        /// Add the output items (in progress, empty).
        case beginOutput(at: Int64)
        /// Write piece `index` of `count` of the output.
        case emitChunk(index: Int, count: Int, at: Int64)
        /// Finish the output items; the response is `completed`.
        case complete(at: Int64)
        /// Cut the output short; the response is `incomplete` (`max_output_tokens`).
        case truncate(at: Int64)
        /// The response is `failed`; `expired` tells a `[[expire]]` plan from `[[fail]]`.
        case fail(expired: Bool, at: Int64)
        /// The response is `cancelled` (by a request, or by a `[[cancel]]` plan).
        case cancel(at: Int64)
    }

    /// Why an event was refused; carries the status the response had.
    public struct Refusal: Error, Sendable, Hashable {
        public let status: Status
        public init(status: Status) { self.status = status }
    }

    /// Pieces the output is written in (deltas on a stream).
    public static let chunks = 3

    public let createdAt: Int64
    public let plan: RunPlan
    public let timing: RunTiming
    private(set) var phase: Phase

    /// A response created at `createdAt`; `plan.toolRounds` is ignored (the owner decides
    /// whether the output is a message or function calls).
    public init(createdAt: Int64, plan: RunPlan, timing: RunTiming) {
        self.createdAt = createdAt
        self.plan = plan
        self.timing = timing
        phase = .queued(until: createdAt + timing.queuedMillis)
    }

    public var status: Status {
        switch phase {
        case .queued: .queued
        case .working: .inProgress
        case .ended(let status): status
        }
    }

    /// The next instant at which `timeReached` would change something; nil once ended.
    public var nextDeadline: Int64? {
        switch phase {
        case .queued(let until):
            return until
        case .working(let work, let from, let until, let chunksDone):
            if work == .output, chunksDone < Self.chunks {
                return RunLifecycle.chunkTime(from: from, until: until, index: chunksDone, count: Self.chunks)
            }
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

    /// `POST /responses/{id}/cancel` at `now` (after `timeReached(now)`): ends at once.
    /// - Throws: `Refusal` when the response already ended.
    public mutating func cancelRequested(at now: Int64) throws(Refusal) -> [Action] {
        switch phase {
        case .queued, .working:
            phase = .ended(.cancelled)
            return [.cancel(at: now)]
        case .ended:
            throw Refusal(status: status)
        }
    }

    // MARK: Transitions

    private mutating func step(into actions: inout [Action]) {
        switch phase {
        case .queued(let until):
            let work: Work
            switch plan.ending {
            case .complete, .incomplete: work = .output
            case .fail, .expire, .cancel: work = .silent
            }
            phase = .working(work, from: until, until: until + (plan.workMillis ?? timing.workMillis), chunksDone: 0)
            actions.append(.startWorking(at: until))
            if work == .output { actions.append(.beginOutput(at: until)) }
        case .working(let work, let from, let until, let chunksDone):
            if work == .output, chunksDone < Self.chunks {
                let at = RunLifecycle.chunkTime(from: from, until: until, index: chunksDone, count: Self.chunks)
                phase = .working(work, from: from, until: until, chunksDone: chunksDone + 1)
                actions.append(.emitChunk(index: chunksDone, count: Self.chunks, at: at))
                return
            }
            finish(at: until, into: &actions)
        case .ended(let status):
            preconditionFailure("stepped an ended response (\(status.rawValue))")
        }
    }

    private mutating func finish(at time: Int64, into actions: inout [Action]) {
        switch plan.ending {
        case .complete:
            phase = .ended(.completed)
            actions.append(.complete(at: time))
        case .incomplete:
            phase = .ended(.incomplete)
            actions.append(.truncate(at: time))
        case .fail:
            phase = .ended(.failed)
            actions.append(.fail(expired: false, at: time))
        case .expire:
            // Responses have no `expired` status; a timed-out response ends `failed`.
            phase = .ended(.failed)
            actions.append(.fail(expired: true, at: time))
        case .cancel:
            phase = .ended(.cancelled)
            actions.append(.cancel(at: time))
        }
    }
}
