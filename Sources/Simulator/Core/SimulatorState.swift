public import JSON

/// Everything the simulated upstream knows — assistants, threads, messages, runs, steps —
/// and every operation on it, with no I/O: the time enters each call as `now` (Unix
/// milliseconds) and the results are the JSON bodies the upstream would send.
///
/// Runs advance lazily: any call that touches a thread first performs the transitions of its
/// active run that are due by `now` (`RunLifecycle.timeReached`), each stamped with the instant
/// it was due. So a run polled late still shows the timestamps it would have had.
///
/// ```swift
/// var state = SimulatorState(seed: 1, timing: RunTiming(queuedMillis: 50, workMillis: 200), now: t0)
/// let thread = try state.createThread(["metadata": ["owner": "u1"]], now: t0)
/// ```
public struct SimulatorState: Sendable {
    public let timing: RunTiming
    var ids: IDGenerator
    var assistants: [AssistantRecord] = []
    var threads: [String: ThreadRecord] = [:]
    var conversations: [String: ConversationRecord] = [:]
    var responses: [String: ResponseRecord] = [:]
    /// The function name of every `call_id` a response produced (for tool-output replies).
    var functionCallNames: [String: String] = [:]
    public internal(set) var counters = SimulatorCounters()

    /// A state holding the two default assistants (`asst_default`, `asst_tools`), created at `now`.
    public init(seed: UInt64, timing: RunTiming, now: Int64) {
        self.timing = timing
        ids = IDGenerator(seed: seed)
        assistants = AssistantRecord.defaults(createdAt: now / 1000)
    }

    // MARK: Lookups

    func requireThread(_ id: String) throws(SimulatorError) -> ThreadRecord {
        guard let thread = threads[id] else { throw .notFound("thread", id: id) }
        return thread
    }

    /// Performs the due transitions of `threadID`'s active run; 404 when the thread is unknown.
    mutating func advanceThread(_ threadID: String, now: Int64) throws(SimulatorError) {
        guard threads[threadID] != nil else { throw .notFound("thread", id: threadID) }
        guard let runID = threads[threadID]!.activeRunID, let index = threads[threadID]!.runIndex(runID) else { return }
        let actions = threads[threadID]!.runs[index].lifecycle.timeReached(now)
        if !actions.isEmpty {
            threads[threadID]!.apply(actions, toRunAt: index, ids: &ids)
        }
    }

    /// Advances every thread with an active run to `now`.
    public mutating func advanceAll(now: Int64) {
        for threadID in threads.keys where threads[threadID]!.activeRunID != nil {
            try? advanceThread(threadID, now: now)
        }
        for responseID in responses.keys where !responses[responseID]!.status.isTerminal {
            advanceResponse(responseID, now: now)
        }
    }

    /// The status of a run, for tests and stats; nil when unknown.
    public mutating func runStatus(threadID: String, runID: String, now: Int64) -> RunLifecycle.Status? {
        try? advanceThread(threadID, now: now)
        guard let thread = threads[threadID], let index = thread.runIndex(runID) else { return nil }
        return thread.runs[index].status
    }

    /// The earliest instant at which some active run or response changes; nil when none is active.
    public var nextDeadline: Int64? {
        let runs = threads.values.compactMap { thread in
            thread.activeRunID.flatMap { id in thread.runIndex(id).flatMap { thread.runs[$0].lifecycle.nextDeadline } }
        }
        let responses = responses.values.compactMap(\.lifecycle.nextDeadline)
        return (runs + responses).min()
    }
}

/// Counters the stats endpoint reports.
public struct SimulatorCounters: Sendable, Hashable {
    public var assistantsCreated = 0
    public var threadsCreated = 0
    public var messagesCreated = 0
    public var runsCreated = 0
    /// 400 "Can't add messages to … while a run … is active." answers.
    public var runActiveMessageRejections = 0
    /// 400 "Thread … already has an active run …." answers.
    public var runActiveRunRejections = 0
    public var toolOutputsSubmitted = 0
    public var runsCancelled = 0
    public var conversationsCreated = 0
    public var conversationItemsCreated = 0
    public var responsesCreated = 0
    public var responsesCancelled = 0
    /// 400 "Another response is already in progress for conversation …" answers.
    public var conversationBusyRejections = 0

    public var json: JSONValue {
        [
            "assistants_created": .int(Int64(assistantsCreated)), "threads_created": .int(Int64(threadsCreated)),
            "messages_created": .int(Int64(messagesCreated)), "runs_created": .int(Int64(runsCreated)),
            "tool_outputs_submitted": .int(Int64(toolOutputsSubmitted)), "cancel_requests": .int(Int64(runsCancelled)),
            "run_active_400": [
                "total": .int(Int64(runActiveMessageRejections + runActiveRunRejections)),
                "add_message": .int(Int64(runActiveMessageRejections)),
                "create_run": .int(Int64(runActiveRunRejections)),
            ],
            "conversations_created": .int(Int64(conversationsCreated)),
            "conversation_items_created": .int(Int64(conversationItemsCreated)),
            "responses_created": .int(Int64(responsesCreated)), "response_cancel_requests": .int(Int64(responsesCancelled)),
            "conversation_busy_400": .int(Int64(conversationBusyRejections)),
        ]
    }
}
