/// What one ``ThreadMigrator/migrate(_:)`` call did to one thread.
public struct ThreadMigrationResult: Sendable {
    public enum Outcome: String, Sendable {
        /// The history was copied and the thread now lives in the new conversation.
        case migrated
        /// An earlier attempt moved it; nothing was done.
        case alreadyMigrated = "already_migrated"
        /// The thread is not on the Assistants upstream (created on Responses); nothing to do.
        case notApplicable = "not_applicable"
        /// Not attempted now (an active run or another holder); a later run picks it up.
        case skipped
        /// The attempt failed and the thread was left as it was; ``code`` and ``message`` say why.
        case failed
        /// No live thread has this id.
        case notFound = "not_found"
        /// A checkpoint stopped the attempt mid-way (tests): its state is a crashed attempt's.
        case interrupted
    }

    public var threadID: String
    public var outcome: Outcome
    /// Why, for `skipped`, `failed` and `not_applicable`: `thread_busy`, `source_not_found`,
    /// `source_gone`, `source_forbidden`, `source_unreachable`, `source_error`, `target_error`,
    /// `target_unreachable`, `cleanup_failed`, `turn_lost`, `thread_deleted`, `link_conflict`,
    /// `upstream_not_configured`, `not_on_assistants`.
    public var code: String?
    public var message: String?
    /// The run holding a skipped thread, when one does.
    public var activeRunID: String?
    /// The link row after the attempt (absent when no attempt was recorded).
    public var link: ThreadMigrationLink?
    public var duration: Duration = .zero

    public init(
        threadID: String, outcome: Outcome, code: String? = nil, message: String? = nil, link: ThreadMigrationLink? = nil
    ) {
        self.threadID = threadID
        self.outcome = outcome
        self.code = code
        self.message = message
        self.link = link
    }

    static func notFound(_ threadID: String) -> ThreadMigrationResult {
        ThreadMigrationResult(threadID: threadID, outcome: .notFound, code: "not_found", message: "No thread found with id '\(threadID)'.")
    }

    /// Whether the thread needs an operator's attention (`migrate-threads` exits non-zero).
    public var isFailure: Bool { outcome == .failed || outcome == .notFound }
}
