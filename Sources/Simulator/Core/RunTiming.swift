/// How long a simulated run spends in each state, in milliseconds.
public struct RunTiming: Sendable, Hashable {
    /// Time in `queued` before `in_progress` (also after tool outputs are submitted).
    public var queuedMillis: Int64
    /// Time of one `in_progress` stretch: producing a reply, or producing tool calls.
    public var workMillis: Int64
    /// Time in `cancelling` before `cancelled`.
    public var cancelMillis: Int64
    /// Lifetime of an active run: `expires_at = created_at + 600` upstream.
    public var expiryMillis: Int64

    public init(queuedMillis: Int64 = 50, workMillis: Int64 = 200, cancelMillis: Int64? = nil, expiryMillis: Int64 = 600_000) {
        self.queuedMillis = max(0, queuedMillis)
        self.workMillis = max(0, workMillis)
        self.cancelMillis = max(0, cancelMillis ?? min(queuedMillis, 50))
        self.expiryMillis = max(1000, expiryMillis)
    }
}

/// What a run will do, decided when it is created from the last user message (see `RunScript`).
public struct RunPlan: Sendable, Hashable {
    /// How the run ends once any tool rounds are over.
    public enum Ending: String, Sendable, Hashable {
        /// Writes the reply and completes.
        case complete
        /// Writes half the reply and ends `incomplete` (`max_completion_tokens`).
        case incomplete
        /// Ends `failed` with `last_error.code = server_error`, no reply.
        case fail
        /// Ends `expired`, no reply.
        case expire
        /// Goes to `cancelling` and then `cancelled` by itself, no reply.
        case cancel
    }

    /// Rounds of tool calls (each ending in `requires_action`) before the ending; 0 for none.
    public var toolRounds: Int
    public var ending: Ending
    /// Overrides `RunTiming.workMillis` for this run (`[[slow:N]]`).
    public var workMillis: Int64?

    public init(toolRounds: Int = 0, ending: Ending = .complete, workMillis: Int64? = nil) {
        self.toolRounds = max(0, toolRounds)
        self.ending = ending
        self.workMillis = workMillis
    }
}
