import HTTP1
import HTTPRouting
import JSON

extension APIError.Code {
    /// The run belongs to the thread's history before it moved to another upstream API.
    static let runMigrated = APIError.Code("run_migrated")
}

extension Gateway {
    /// What a run id of a migrated thread's old upstream still answers.
    enum MigratedRunAnswer {
        /// `GET …/runs/{run_id}`: the run as threadgate recorded it (status, timings, usage).
        case record
        /// Everything else (cancel, tool outputs, steps, wait, its messages): 410 `run_migrated`.
        case gone
    }

    /// Runs `body`; when it answers 404 for a run the caller's thread had before the thread
    /// moved to another upstream (the new upstream does not know the old run ids), answers
    /// precisely instead: the recorded run, or 410 `run_migrated` saying what remains of it.
    func forRunsBeforeMigration(
        _ request: RoutedRequest, runID: String?, answer: MigratedRunAnswer, _ body: () async throws -> HTTPResponse
    ) async throws -> HTTPResponse {
        do {
            return try await body()
        } catch let error as APIError where error.status == .notFound {
            guard let runID, let threadID = request.parameters["thread_id"],
                let old = try await migrations.runBeforeMigration(threadID: threadID, runID: runID, owner: request.caller.subject)
            else { throw error }
            switch answer {
            case .record:
                return .json(.object(old.run))
            case .gone:
                throw APIError(
                    status: HTTPStatus(410), type: .invalidRequest, code: .runMigrated,
                    message: "Run \(runID) ran before thread \(threadID) moved to a new upstream API; only its recorded status "
                        + "and usage remain (GET /v1/threads/\(threadID)/runs/\(runID)). Its messages are in the thread.")
            }
        }
    }
}
