import HTTP1
import HTTPRouting
import JSON

/// What `GET /readyz` found: one entry per dependency, each with a status and, when it is not
/// `ok`, a plain-words reason (never SQL, host names or credentials).
///
/// ```json
/// {"status":"ready","checks":{"database":{"status":"ok"},"migrations":{"status":"ok"},"upstream":{"status":"ok"}}}
/// {"status":"not_ready","checks":{"database":{"status":"unavailable","message":"Cannot connect to the database."},
///  "migrations":{"status":"unknown","message":"Not checked because the database is unavailable."},"upstream":{"status":"ok"}}}
/// {"status":"draining",…}
/// ```
///
/// The database and the migrations decide readiness. The upstream check is reported but
/// decides it only when the configured key is refused (`upstream_auth_failed`, a fault of this
/// instance), or for every failing status when `requireUpstream` (`READYZ_REQUIRE_UPSTREAM=1`):
/// an upstream outage is shared by every instance, and taking them all out of the load
/// balancer would only turn the gateway's precise 502/503 answers into the balancer's own, and
/// stop the routes that need only the database. A draining server is never ready.
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
            /// Could not be checked (its dependency is down, or reading it failed), or not yet.
            case unknown
            /// The upstream answered 401 or 403 to the configured key.
            case upstreamAuthFailed = "upstream_auth_failed"
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
    var upstream = Check.upstreamNotConfigured
    /// What went wrong in technical terms, for the log only (never sent).
    var detail: String?
    /// SIGTERM arrived: the server still serves but asks to be taken out of rotation.
    var draining = false
    /// Every upstream status other than `ok` makes the gateway not ready.
    var requireUpstream = false

    var isReady: Bool {
        !draining && database.status == .ok && migrations.status == .ok && upstreamAllowsReady
    }

    private var upstreamAllowsReady: Bool {
        switch upstream.status {
        case .ok: true
        case .upstreamAuthFailed: false
        case .notConfigured, .unavailable, .unknown, .pending, .edited: !requireUpstream
        }
    }

    var json: JSONValue {
        [
            "status": draining ? "draining" : isReady ? "ready" : "not_ready",
            "checks": ["database": database.json, "migrations": migrations.json, "upstream": upstream.json],
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

extension ReadinessReport.Check {
    /// No `UPSTREAM_BASE_URL`: the database-only routes work, the upstream ones answer 503.
    static let upstreamNotConfigured = ReadinessReport.Check(
        status: .notConfigured,
        message: "UPSTREAM_BASE_URL is not set, so thread, message and run calls answer 503.")
}
