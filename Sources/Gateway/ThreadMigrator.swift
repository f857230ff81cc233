public import HTTPRouting
public import Postgres
import UpstreamAPI

/// Moves a thread from the Assistants upstream to a Responses conversation: its whole message
/// history copied in order, then the thread row pointed at the conversation. The thread keeps
/// its threadgate id, so frontends notice nothing but the new upstream behind it.
///
/// One attempt, for one thread:
///
/// 1. takes the thread's turn with a `claim_migrate_…` marker — the same compare-and-set claim
///    asks use, so no ask or run starts while the history is copied (asks answer 409
///    `thread_busy` meanwhile); a thread with an active run is skipped;
/// 2. deletes the half-made conversation an interrupted earlier attempt left (its id is in
///    `thread_migrations`), so two conversations are never linked to one thread;
/// 3. records the attempt (`copying`), reads every message of the old thread (pages of 100,
///    oldest first) — a thread the upstream no longer lets it read fails here, untouched;
/// 4. creates the conversation with the owner metadata, records its id, and only then adds the
///    messages as items, as many per request as the upstream takes, renewing its lease as it goes;
/// 5. switches the thread row and marks the link `migrated` in one statement, which also frees
///    the turn. Any failure before that deletes the new conversation and leaves the thread as it was.
///
/// Recorded runs stay in `runs`: after the move their ids answer from that record (see
/// `Gateway+MigratedRuns.swift`).
///
/// ```swift
/// let migrator = ThreadMigrator(database: { pools.current }, dialects: dialects)
/// let result = try await migrator.migrate("thr_…")   // result.outcome == .migrated, result.link
/// ```
public struct ThreadMigrator: Sendable {
    /// Where threads come from and go to.
    static let source = DialectKind.assistants
    static let target = DialectKind.responses

    public struct Options: Sendable {
        /// How long the turn is held without renewal; renewed after every upstream call, so it
        /// bounds how long a thread stays blocked after the migrating process died.
        public var lease: Duration = .seconds(180)
        /// Messages per page read from the old thread (the upstream allows 100 at most).
        public var pageSize = 100
        /// Called at each ``Step``; returning false stops the attempt right there, leaving its
        /// state exactly as a process that died at that point would (the test of resumption).
        public var checkpoint: (@Sendable (Step) async -> Bool)?

        public init() {}
    }

    /// The points an attempt passes, in order (``Options/checkpoint``).
    public enum Step: Sendable, Equatable {
        /// The turn is held.
        case claimed
        /// The attempt is recorded as `copying`.
        case began
        /// The old thread's history is read.
        case read(messages: Int)
        /// The new conversation exists and its id is recorded.
        case created(conversation: String)
        /// `copied` messages are in the new conversation.
        case appended(copied: Int)
    }

    let threads: ThreadStore
    let turns: ThreadTurns
    let runs: RunStore
    let store: ThreadMigrationStore
    let dialects: UpstreamDialects
    let options: Options

    public init(
        database: @escaping @Sendable () throws(APIError) -> PostgresPool, dialects: UpstreamDialects, options: Options = Options()
    ) {
        threads = ThreadStore(database: database)
        turns = ThreadTurns(database: database)
        runs = RunStore(database: database)
        store = ThreadMigrationStore(database: database)
        self.dialects = dialects
        self.options = options
    }

    /// Migrates one thread (any owner's). Domain outcomes — migrated, already migrated,
    /// skipped, failed upstream — are in the result; thrown errors are the database's (the
    /// thread's state then is that of an interrupted attempt, which the next one resumes).
    public func migrate(_ threadID: String) async throws -> ThreadMigrationResult {
        let start = ContinuousClock.now
        var result = try await attempt(threadID, retryIfMoved: true)
        result.duration = ContinuousClock.now - start
        return result
    }

    /// The link row of a thread, if an attempt was ever made.
    public func link(_ threadID: String) async throws -> ThreadMigrationLink? {
        try await store.find(threadID)
    }

    /// Threads still on the Assistants upstream (`owner`'s, when given), in the order
    /// `migrate-threads` takes them: never tried first, then failed ones; newest activity first.
    public func candidates(owner: String?, limit: Int) async throws -> [ThreadMigrationCandidate] {
        try await store.candidates(in: Self.source, owner: owner, limit: limit)
    }

    /// One live thread's state for a dry run, whatever its dialect; nil when unknown or deleted.
    public func candidate(_ threadID: String) async throws -> ThreadMigrationCandidate? {
        try await store.candidate(threadID)
    }

    /// Whether the schema has `thread_migrations` (migration 0002).
    public func schemaIsReady() async throws -> Bool {
        try await store.tableExists()
    }

    // MARK: One attempt

    private func attempt(_ threadID: String, retryIfMoved: Bool) async throws -> ThreadMigrationResult {
        guard let thread = try await threads.find(threadID) else { return .notFound(threadID) }
        let link = try await store.find(threadID)
        guard thread.dialect == Self.source else {
            if let link, link.status == .migrated, link.toUpstreamThreadID == thread.upstreamThreadID {
                return ThreadMigrationResult(threadID: threadID, outcome: .alreadyMigrated, link: link)
            }
            return ThreadMigrationResult(
                threadID: threadID, outcome: .notApplicable, code: "not_on_assistants",
                message: "The thread was created on the \(thread.dialect.title) API; there is nothing to move.", link: link)
        }
        if let link, link.status == .migrated {
            return ThreadMigrationResult(
                threadID: threadID, outcome: .failed, code: "link_conflict",
                message: "thread_migrations says the thread moved to \(link.toUpstreamThreadID ?? "?"), but its row points at "
                    + "Assistants thread \(thread.upstreamThreadID); delete that link row to migrate it again.", link: link)
        }
        let source: any UpstreamDialect
        let target: any UpstreamDialect
        do {
            source = try dialects.dialect(Self.source)
            target = try dialects.dialect(Self.target)
        } catch {
            return ThreadMigrationResult(threadID: threadID, outcome: .failed, code: "upstream_not_configured", message: error.message)
        }
        let marker = Identifier.make(prefix: ThreadTurns.migrationMarkerPrefix)
        switch try await takeTurn(thread, marker: marker, source: source) {
        case .taken:
            break
        case .gone:
            return .notFound(threadID)
        case .moved:
            guard retryIfMoved else { return .notFound(threadID) }
            return try await attempt(threadID, retryIfMoved: false)
        case .busy(let reason, let runID):
            var result = ThreadMigrationResult(threadID: threadID, outcome: .skipped, code: "thread_busy", message: reason, link: link)
            result.activeRunID = runID
            return result
        }
        var copy = Copy(migrator: self, thread: thread, marker: marker, source: source, target: target)
        return try await copy.run(leftover: link?.toUpstreamThreadID)
    }

    enum Turn {
        case taken, gone, moved
        case busy(String, runID: String?)
    }

    /// Claims the thread's turn; a holder run that ended upstream (nobody noticed) is released
    /// on the way, as asks do.
    private func takeTurn(_ thread: ThreadRecord, marker: String, source: any UpstreamDialect) async throws -> Turn {
        for _ in 0..<3 {
            if try await turns.claim(thread.id, upstreamThreadID: thread.upstreamThreadID, marker: marker, lease: options.lease) {
                return .taken
            }
            switch try await turns.holder(thread.id, upstreamThreadID: thread.upstreamThreadID) {
            case .gone:
                return .gone
            case .moved:
                return .moved
            case .free:
                continue
            case .claimed(let holder):
                return .busy(
                    ThreadTurns.isMigrationMarker(holder)
                        ? "another migration of this thread is under way" : "an ask is starting a run on it", runID: nil)
            case .run(let runID, let leaseExpired):
                if leaseExpired { continue }
                let run: UpstreamRun
                do {
                    run = try await source.retrieveRun(threadID: thread.upstreamThreadID, runID: runID, context: Self.context)
                } catch where error.isNotFound {
                    try await turns.release(thread.id, holder: runID)
                    continue
                } catch {
                    return .busy("run \(runID) holds it and its state could not be read (\(error.kind))", runID: runID)
                }
                guard run.status.isTerminal else { return .busy("run \(runID) is \(run.status)", runID: runID) }
                try await runs.update(run, threadID: thread.id)
                try await turns.release(thread.id, holder: runID)
            }
        }
        return .busy("its turn kept changing hands", runID: nil)
    }

    static let context = UpstreamCallContext(requestID: nil)
}
