import JSON
import UpstreamAPI

/// A failure of an attempt that holds the thread's turn: recorded, cleaned up, reported.
struct MigrationFailure: Error {
    var code: String
    var message: String
}

extension ThreadMigrator {
    /// One attempt from the moment it holds the turn (steps 2–5 of ``ThreadMigrator``).
    struct Copy {
        let migrator: ThreadMigrator
        let thread: ThreadRecord
        let marker: String
        let source: any UpstreamDialect
        let target: any UpstreamDialect
        /// The conversation this attempt created, until the thread points at it.
        private var created: String?
        /// A half-made conversation of an earlier attempt that could not be deleted.
        private var leftover: String?
        /// Whether the link row is this attempt's (`copying` under ``marker``).
        private var began = false

        init(migrator: ThreadMigrator, thread: ThreadRecord, marker: String, source: any UpstreamDialect, target: any UpstreamDialect) {
            self.migrator = migrator
            self.thread = thread
            self.marker = marker
            self.source = source
            self.target = target
        }

        private var store: ThreadMigrationStore { migrator.store }

        mutating func run(leftover: String?) async throws -> ThreadMigrationResult {
            do {
                guard await checkpoint(.claimed) else { return interrupted }
                if let leftover { try await deleteLeftover(leftover) }
                if let busy = try await activeRun() {
                    // The turn goes to the run (asks then wait for it, and free it when it ends).
                    try await migrator.turns.replace(thread.id, current: marker, next: busy.id, lease: migrator.options.lease)
                    var result = ThreadMigrationResult(
                        threadID: thread.id, outcome: .skipped, code: "thread_busy", message: "run \(busy.id) is \(busy.status)",
                        link: try await store.find(thread.id))
                    result.activeRunID = busy.id
                    return result
                }
                guard try await store.begin(thread, to: ThreadMigrator.target, holder: marker) else {
                    throw MigrationFailure(code: "link_conflict", message: "the thread's link row changed under this attempt")
                }
                began = true
                guard await checkpoint(.began) else { return interrupted }

                let transcript = try await readHistory()
                try await store.read(thread.id, holder: marker, messages: transcript.read, dropped: transcript.droppedObject)
                guard await checkpoint(.read(messages: transcript.read)) else { return interrupted }

                let conversation = try await createConversation()
                guard await checkpoint(.created(conversation: conversation)) else { return interrupted }

                let messages = transcript.messages
                let size = max(1, target.maxMessagesPerAppend)
                var copied = 0
                while copied < messages.count {
                    let batch = Array(messages[copied..<min(copied + size, messages.count)])
                    do {
                        try await target.appendMessages(threadID: conversation, messages: batch, context: ThreadMigrator.context)
                    } catch {
                        throw Self.failure(error, side: .target, subject: "conversation \(conversation)")
                    }
                    copied += batch.count
                    try await store.copied(thread.id, holder: marker, count: copied)
                    try await renew()
                    guard await checkpoint(.appended(copied: copied)) else { return interrupted }
                }

                guard
                    let link = try await store.switchThread(
                        thread, to: ThreadMigrator.target, conversation: conversation, holder: marker)
                else { throw try await lostTurn() }
                created = nil
                return ThreadMigrationResult(threadID: thread.id, outcome: .migrated, link: link)
            } catch let failure as MigrationFailure {
                return try await abandon(failure)
            } catch {
                // The database failed: free what can be freed; the next attempt resumes the rest.
                if let created { _ = try? await target.deleteThread(id: created, context: ThreadMigrator.context) }
                try? await migrator.turns.release(thread.id, holder: marker)
                throw error
            }
        }

        // MARK: Steps

        /// Deletes an earlier attempt's conversation (already gone counts as deleted) and forgets it.
        private mutating func deleteLeftover(_ conversation: String) async throws {
            do {
                try await target.deleteThread(id: conversation, context: ThreadMigrator.context)
            } catch where error.isNotFound {
                // Already gone.
            } catch {
                leftover = conversation
                throw MigrationFailure(
                    code: "cleanup_failed",
                    message: "the half-made conversation \(conversation) of an earlier attempt could not be deleted (\(error.kind)); "
                        + "it is kept in the link row and deleted by the next attempt")
            }
            try await store.forgetConversation(thread.id, conversation: conversation)
        }

        /// A run of the thread that has not ended: the recorded runs not known to have ended are
        /// checked upstream (and their record updated), then the upstream's newest run.
        private func activeRun() async throws -> (id: String, status: String)? {
            for object in try await migrator.runs.runObjects(threadID: thread.id) {
                guard let id = object["id"]?.stringValue, let status = object["status"]?.stringValue,
                    !RunState(rawValue: status).isTerminal
                else { continue }
                let run: UpstreamRun
                do {
                    run = try await source.retrieveRun(threadID: thread.upstreamThreadID, runID: id, context: ThreadMigrator.context)
                } catch where error.isNotFound {
                    continue  // the upstream forgot it; the record stays as last seen
                } catch {
                    throw Self.failure(error, side: .source, subject: "run \(id) of Assistants thread \(thread.upstreamThreadID)")
                }
                try await migrator.runs.update(run, threadID: thread.id)
                if !run.status.isTerminal { return (run.id, run.status.rawValue) }
            }
            let newest: UpstreamPage
            do {
                newest = try await source.listRuns(
                    threadID: thread.upstreamThreadID, page: PageRequest(limit: 1, order: "desc"), context: ThreadMigrator.context)
            } catch {
                throw Self.failure(error, side: .source, subject: "Assistants thread \(thread.upstreamThreadID)")
            }
            if let run = newest.data.first, let id = run["id"]?.stringValue, let status = run["status"]?.stringValue,
                !RunState(rawValue: status).isTerminal
            {
                return (id, status)
            }
            return nil
        }

        /// Every message of the old thread, oldest first, as the transcript to write.
        private func readHistory() async throws -> MigrationTranscript {
            var transcript = MigrationTranscript()
            var after: String?
            while true {
                let page: UpstreamPage
                do {
                    page = try await source.listMessages(
                        threadID: thread.upstreamThreadID,
                        page: PageRequest(limit: migrator.options.pageSize, order: "asc", after: after), runID: nil,
                        context: ThreadMigrator.context)
                } catch {
                    throw Self.failure(error, side: .source, subject: "Assistants thread \(thread.upstreamThreadID)")
                }
                for message in page.data { transcript.add(message) }
                try await renew()
                guard page.hasMore, let last = page.data.last?["id"]?.stringValue ?? page.lastID, last != after else { break }
                after = last
            }
            return transcript
        }

        /// The empty conversation with the thread's owner metadata, its id recorded before
        /// anything is written into it.
        private mutating func createConversation() async throws -> String {
            let metadata = ThreadMetadata.upstream(client: thread.metadata, owner: thread.owner, threadID: thread.id)
            let conversation: String
            do {
                conversation = try await target.createThread(metadata: metadata, messages: [], context: ThreadMigrator.context)
            } catch {
                throw Self.failure(error, side: .target, subject: "a conversation")
            }
            created = conversation
            guard try await store.created(thread.id, holder: marker, conversation: conversation) else { throw try await lostTurn() }
            try await renew()
            return conversation
        }

        // MARK: Turn and failure

        /// Extends the lease; a turn taken by someone else ends the attempt.
        private func renew() async throws {
            guard try await migrator.turns.replace(thread.id, current: marker, next: marker, lease: migrator.options.lease) else {
                throw try await lostTurn()
            }
        }

        private func lostTurn() async throws -> MigrationFailure {
            if case .gone = try await migrator.turns.holder(thread.id, upstreamThreadID: thread.upstreamThreadID) {
                return MigrationFailure(code: "thread_deleted", message: "the thread was deleted while its history was being copied")
            }
            return MigrationFailure(
                code: "turn_lost", message: "another holder took the thread's turn (this attempt outlived its lease); nothing was switched")
        }

        /// Deletes this attempt's conversation, records the failure and frees the turn.
        private func abandon(_ failure: MigrationFailure) async throws -> ThreadMigrationResult {
            var kept = leftover
            if let created {
                do {
                    try await target.deleteThread(id: created, context: ThreadMigrator.context)
                } catch where error.isNotFound {
                    // Already gone.
                } catch {
                    kept = created
                }
            }
            try await store.fail(
                thread, to: ThreadMigrator.target, holder: began ? marker : nil, code: failure.code, message: failure.message,
                conversation: kept)
            try await migrator.turns.release(thread.id, holder: marker)
            return ThreadMigrationResult(
                threadID: thread.id, outcome: .failed, code: failure.code, message: failure.message,
                link: try await store.find(thread.id))
        }

        private func checkpoint(_ step: Step) async -> Bool {
            await migrator.options.checkpoint?(step) ?? true
        }

        private var interrupted: ThreadMigrationResult {
            ThreadMigrationResult(threadID: thread.id, outcome: .interrupted, message: "stopped at a checkpoint; its state is left as is")
        }

        enum Side { case source, target }

        /// An upstream failure in the link's vocabulary: `source_not_found` (404), `source_gone`
        /// (410), `source_forbidden` (401/403), `source_unreachable` (connection or timeout),
        /// `source_error` (anything else); `target_unreachable` and `target_error` likewise.
        static func failure(_ error: UpstreamAPIError, side: Side, subject: String) -> MigrationFailure {
            let name = side == .source ? "source" : "target"
            let api = side == .source ? "Assistants" : "Responses"
            switch error.kind {
            case .rejected:
                let status = error.status ?? 0
                var code = "\(name)_error"
                if side == .source {
                    switch status {
                    case 404: code = "source_not_found"
                    case 410: code = "source_gone"
                    case 401, 403: code = "source_forbidden"
                    default: break
                    }
                }
                return MigrationFailure(code: code, message: "the \(api) upstream answered HTTP \(status) for \(subject): \(error.message)")
            case .unreachable, .timeout:
                return MigrationFailure(
                    code: "\(name)_unreachable", message: "the \(api) upstream could not be reached for \(subject) (\(error.kind))")
            default:
                return MigrationFailure(code: "\(name)_error", message: "the \(api) upstream failed for \(subject) (\(error.kind))")
            }
        }
    }
}
