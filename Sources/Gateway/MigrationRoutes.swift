import HTTP1
import HTTPRouting
import JSON

extension APIError.Code {
    /// A thread's migration failed; `migration` in the error holds the link record.
    static let migrationFailed = APIError.Code("migration_failed")
    /// The thread is not on the Assistants upstream: there is nothing to move.
    static let threadNotMigratable = APIError.Code("thread_not_migratable")
}

extension Gateway {
    /// `POST /admin/v1/threads/{id}/migrate`: one ``ThreadMigrator`` attempt on any user's thread.
    ///
    /// - 200 with the `thread.migration` link record when the thread moved, now or earlier;
    /// - 404 for an unknown or deleted thread;
    /// - 409 `thread_busy` (with `active_run_id`) when a run or another holder has the thread;
    /// - 409 `thread_not_migratable` for a thread created on the Responses upstream;
    /// - 502 `migration_failed` when an upstream refused or failed (the thread is untouched), 409
    ///   `migration_failed` for the other failures; either carries the link record as `migration`.
    ///
    /// The attempt goes on when the client disconnects; its outcome is then in the link record.
    func migrateThread(_ request: RoutedRequest) async throws -> HTTPResponse {
        let id = try request.requireParameter("thread_id")
        try Self.rejectUnknownFields(try Self.objectBody(request), allowed: [])
        // In a task of its own: a client that hangs up does not stop the copy half way (the
        // attempt would then hold the thread until its lease ran out).
        let attempt = Task(executorPreference: nil) { try await self.migrator.migrate(id) }
        let result = try await attempt.value
        switch result.outcome {
        case .migrated, .alreadyMigrated:
            guard let link = result.link else { throw APIError.internal(debugDetail: "migration of \(id) returned no link") }
            return .json(.object(link.json))
        case .notFound:
            throw Self.threadNotFound(id)
        case .notApplicable:
            throw APIError.conflict(code: .threadNotMigratable, message: result.message ?? "The thread cannot be migrated.")
        case .skipped:
            var error = APIError.conflict(
                code: .threadBusy, message: "Thread \(id) was not migrated: \(result.message ?? "it is busy"); retry when it is idle.")
            error.details["active_run_id"] = result.activeRunID.map(JSONValue.string) ?? .null
            throw error
        case .failed, .interrupted:
            let code = result.code ?? "migration_failed"
            let upstream = code.hasPrefix("source_") || code.hasPrefix("target_") || code == "cleanup_failed"
            var error = APIError(
                status: upstream ? .badGateway : .conflict, type: upstream ? .upstream : .invalidRequest, code: .migrationFailed,
                message: "Thread \(id) was not migrated (\(code)): \(Self.sentence(result.message ?? "unknown reason")) The thread is unchanged.")
            error.details["migration"] = result.link.map { .object($0.json) } ?? .null
            throw error
        }
    }

    /// `text` ending with one full stop.
    static func sentence(_ text: String) -> String {
        text.hasSuffix(".") ? text : text + "."
    }
}
