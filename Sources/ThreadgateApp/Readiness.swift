import EventLoop
import HTTPRouting
import Logging
import Postgres

/// The checks behind `GET /readyz`: the database answers `SELECT 1` through the pool of the
/// request's loop within `timeout`, every migration file is applied unchanged, and the
/// upstream's last background probe (``UpstreamProbe``; never probed on this path). After
/// ``beginDraining()`` the answer is 503 `draining` whatever the checks say.
///
/// The migration status costs a few catalog queries, so an answer (current, pending or edited)
/// is reused for `migrationsCacheTTL`; the `SELECT 1` runs on every probe. State changes are
/// logged once each (ready → not ready with the reasons, and back), not on every probe.
final class Readiness: Sendable {
    struct Settings: Sendable {
        /// The bound on each check; a probe answers within about twice this.
        var timeout: Duration = .seconds(1)
        /// How long a migration status answer is reused.
        var migrationsCacheTTL: Duration = .seconds(5)
        /// The pause between upstream probes (`UPSTREAM_PROBE_INTERVAL_MS`).
        var upstreamProbeInterval: Duration = .seconds(10)
        /// Any failing upstream check makes the gateway not ready (`READYZ_REQUIRE_UPSTREAM=1`).
        var requireUpstream = false
    }

    private let database: DatabasePools?
    private let migrator: Migrator?
    private let settings: Settings
    private let logger: Logger
    private let cachedMigrations = LockedValue<(check: ReadinessReport.Check, until: UInt64)?>(nil)
    private let lastReport = LockedValue<ReadinessReport?>(nil)
    private let upstream: UpstreamProbe?
    private let draining = LockedValue(false)

    /// - Parameters:
    ///   - database: the pools, or nil when no database is configured (never ready then).
    ///   - migrator: the migration files the database must have applied.
    ///   - upstream: the background probe, or nil when no upstream is configured.
    init(
        database: DatabasePools?, migrator: Migrator?, upstream: UpstreamProbe? = nil, settings: Settings = Settings(),
        logger: Logger
    ) {
        self.database = database
        self.migrator = migrator
        self.upstream = upstream
        self.settings = settings
        self.logger = logger
    }

    /// Runs the checks; on the caller's loop when it is a worker loop.
    func check() async -> ReadinessReport {
        var report: ReadinessReport
        if let database, let migrator {
            report = await check(database.current, migrator)
        } else {
            report = .notConfigured
        }
        report.upstream = upstream?.check ?? .upstreamNotConfigured
        report.requireUpstream = settings.requireUpstream
        report.draining = isDraining
        logIfChanged(report)
        return report
    }

    /// From now on `/readyz` answers 503 `draining` (SIGTERM arrived; the server still serves).
    func beginDraining() { draining.withLock { $0 = true } }

    var isDraining: Bool { draining.withLock { $0 } }

    private func check(_ pool: PostgresPool, _ migrator: Migrator) async -> ReadinessReport {
        let timeout = settings.timeout
        let ping = await pool.loop.run(timeout: timeout) {
            try await pool.query(PostgresQuery("SELECT 1"), timeout: timeout)
        }
        switch ping {
        case .finished: break
        case .timedOut:
            return Self.databaseDown("The database did not answer within \(Self.text(timeout)).")
        case .failed(let error):
            return Self.databaseDown(Self.reason(error), detail: error)
        }
        let now = EventLoop.monotonicNanoseconds
        if let cached = cachedMigrations.withLock({ $0 }), now < cached.until {
            return ReadinessReport(database: .ok, migrations: cached.check)
        }
        let status = await pool.loop.run(timeout: timeout) {
            try await pool.withConnection { try await migrator.status(on: $0) }
        }
        switch status {
        case .finished(let files):
            let check = Self.migrationsCheck(files)
            let until = EventLoop.monotonicNanoseconds + settings.migrationsCacheTTL.nanoseconds
            cachedMigrations.withLock { $0 = (check, until) }
            return ReadinessReport(database: .ok, migrations: check)
        case .timedOut:
            return ReadinessReport(
                database: .ok,
                migrations: .init(status: .unknown, message: "The migration status could not be read in time."))
        case .failed(let error):
            return ReadinessReport(
                database: .ok, migrations: .init(status: .unknown, message: "The migration status could not be read."),
                detail: Self.debugText(error))
        }
    }

    private static func databaseDown(_ message: String, detail: (any Error)? = nil) -> ReadinessReport {
        ReadinessReport(
            database: .init(status: .unavailable, message: message),
            migrations: .init(status: .unknown, message: "Not checked because the database is unavailable."),
            detail: detail.map(debugText))
    }

    /// The reason a database check failed, in words fit for the response body.
    static func reason(_ error: any Error) -> String {
        guard let error = error as? PostgresError else { return "The database check failed." }
        switch error.code {
        case .connectionFailed, .closed: return "Cannot connect to the database."
        case .poolExhausted: return "Every database connection is busy."
        case .timeout: return "The database did not answer in time."
        case .queryFailed: return "The database refused the check query."
        default: return "The database check failed."
        }
    }

    /// The migrations entry for the files' states.
    static func migrationsCheck(_ files: [Migrator.Status]) -> ReadinessReport.Check {
        var pending: [String] = []
        var edited: [String] = []
        for file in files {
            let name = file.migration.label
            switch file.state {
            case .applied: break
            case .pending: pending.append(name)
            case .edited: edited.append(name)
            }
        }
        if !edited.isEmpty {
            let list = edited.joined(separator: ", ")
            return .init(
                status: .edited,
                message: "\(edited.count == 1 ? "Migration" : "Migrations") \(list) changed after being applied; "
                    + "restore the applied version and add a new migration instead.")
        }
        if !pending.isEmpty {
            let list = pending.joined(separator: ", ")
            return .init(
                status: .pending,
                message: "\(pending.count) \(pending.count == 1 ? "migration is" : "migrations are") not applied yet "
                    + "(\(list)); run `threadgate migrate`.")
        }
        return .ok
    }

    private func logIfChanged(_ report: ReadinessReport) {
        let previous = lastReport.withLock { last in
            defer { last = report }
            return last
        }
        guard previous?.isReady != report.isReady || previous?.database.status != report.database.status
            || previous?.migrations.status != report.migrations.status || previous?.draining != report.draining
        else { return }
        if report.isReady {
            logger.info("ready")
        } else if report.draining {
            logger.info("not ready: draining")
        } else {
            var metadata: Logger.Metadata = [
                "database": "\(report.database.status.rawValue)",
                "migrations": "\(report.migrations.status.rawValue)",
                "upstream": "\(report.upstream.status.rawValue)",
                "reason": "\(report.database.message ?? report.migrations.message ?? report.upstream.message ?? "")",
            ]
            if let detail = report.detail { metadata["detail"] = "\(detail)" }
            logger.warning("not ready", metadata: metadata)
        }
    }

    static func debugText(_ error: any Error) -> String {
        (error as? PostgresError)?.debugDescription ?? "\(error)"
    }

    /// `2 s`, `500 ms`.
    static func text(_ duration: Duration) -> String {
        let milliseconds = duration.nanoseconds / 1_000_000
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
    }
}

/// `GET /readyz`: an async route, since it talks to the database.
enum ReadinessRoutes {
    static func register(on routes: RouterBuilder, readiness: Readiness) {
        routes.get("/readyz") { _ in await readiness.check().response }
    }
}

