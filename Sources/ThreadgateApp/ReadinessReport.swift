import HTTP1
import HTTPRouting
import JSON

/// What `GET /readyz` found: one entry per dependency, each with a status and, when it is not
/// `ok`, a plain-words reason (never SQL, host names or credentials).
///
/// ```json
/// {"status":"ready","checks":{"database":{"status":"ok"},"migrations":{"status":"ok"}}}
/// {"status":"not_ready","checks":{"database":{"status":"unavailable","message":"Cannot connect to the database."},
///  "migrations":{"status":"unknown","message":"Not checked because the database is unavailable."}}}
/// ```
struct ReadinessReport: Equatable, Sendable {
    struct Check: Equatable, Sendable {
        enum Status: String, Sendable {
            case ok
            /// No `DATABASE_URL`.
            case notConfigured = "not_configured"
            /// The database did not answer, refused, or has no free connection.
            case unavailable
            /// Migration files not yet applied.
            case pending
            /// An applied migration's file changed afterwards.
            case edited
            /// Could not be checked (its dependency is down, or reading it failed).
            case unknown
        }

        var status: Status
        var message: String?

        static let ok = Check(status: .ok)

        var json: JSONValue {
            guard let message else { return ["status": .string(status.rawValue)] }
            return ["status": .string(status.rawValue), "message": .string(message)]
        }
    }

    var database: Check
    var migrations: Check
    /// What went wrong in technical terms, for the log only (never sent).
    var detail: String?

    var isReady: Bool { database.status == .ok && migrations.status == .ok }

    var json: JSONValue {
        [
            "status": isReady ? "ready" : "not_ready",
            "checks": ["database": database.json, "migrations": migrations.json],
        ]
    }

    /// 200 when ready, else 503; never cached by intermediaries.
    var response: HTTPResponse {
        .json(json, status: isReady ? .ok : .serviceUnavailable, headers: ["cache-control": "no-store"])
    }

    /// A gateway without a database cannot serve its API, so it is not ready.
    static let notConfigured = ReadinessReport(
        database: Check(
            status: .notConfigured,
            message: "DATABASE_URL is not set, so the gateway has no database to store users and threads."),
        migrations: Check(status: .unknown, message: "Not checked because no database is configured."))
}
