public import Logging
import EventLoop
import Gateway
import HTTPRouting

/// `threadgate migrate-threads`: moves threads from the Assistants upstream to Responses
/// conversations with ``ThreadMigrator`` (the core the admin endpoint runs too).
///
/// Prints one line per thread as it finishes and a summary line; returns 0 when no thread
/// failed (skipped threads — an active run — are not failures: a later run picks them up), 1
/// when any did, the database could not be used or a signal stopped the run early, 2 when the
/// configuration lacks `DATABASE_URL` or (unless `--dry-run`) `UPSTREAM_BASE_URL`.
///
/// SIGINT or SIGTERM lets the threads under way finish (so none is left claimed and half
/// copied) and starts no more; a second signal ends the process at once (a later run resumes).
///
/// ```
/// migrated          thr_… thread_abc -> conv_def: 130 of 130 messages copied (0.9 s)
/// skipped           thr_… thread_busy: run run_x is in_progress
/// FAILED            thr_… source_not_found: the Assistants upstream answered HTTP 404 for …
/// migrate-threads: 3 threads: 1 migrated, 0 already migrated, 1 skipped, 0 not applicable, 1 failed; 130 messages copied
/// ```
public enum MigrateThreadsRuntime {
    public struct Options: Sendable {
        /// `--thread`: these threads (any owner), in this order.
        public var threads: [String] = []
        /// `--user`: that user's threads still on the Assistants upstream.
        public var user: String?
        /// `--all`: every thread still on the Assistants upstream.
        public var all = false
        /// `--dry-run`: list what would move, touch nothing.
        public var dryRun = false
        /// `--limit`: at most this many threads of the selection.
        public var limit: Int?
        /// `--concurrency`: threads migrated at once.
        public var concurrency = 2

        public init() {}
    }

    /// Runs the command. Returns the process exit status.
    public static func run(
        _ options: Options, configuration config: ServeConfiguration, output: ConsoleOutput, errors: ConsoleOutput, logger: Logger
    ) async -> Int32 {
        guard config.database.url != nil, let poolConfiguration = config.database.poolConfiguration else {
            errors.line("threadgate migrate-threads: DATABASE_URL is not set (a libpq URI or key=value connection string)")
            return 2
        }
        if !options.dryRun, config.upstream.baseURL == nil {
            errors.line("threadgate migrate-threads: UPSTREAM_BASE_URL is not set: both the Assistants and the Responses API are needed")
            return 2
        }
        let loop: EventLoop
        do {
            loop = try EventLoop.start(name: "tg-migrate-threads")
        } catch {
            errors.line("threadgate migrate-threads: \(error)")
            return 1
        }
        let pools = DatabasePools(loops: [loop], configuration: poolConfiguration)
        let upstream = UpstreamClients(loops: [loop], settings: config.upstream, metrics: nil, logger: logger)
        let migrator = ThreadMigrator(
            database: { [pools] () throws(APIError) in pools.current }, dialects: upstream.dialects)
        let status: Int32 = await withTaskExecutorPreference(loop) {
            let stop = LockedValue<Int32?>(nil)
            let signals = Task(executorPreference: loop) {
                guard let signal = try? await ServeRuntime.waitForTerminationSignal(on: loop) else { return }
                stop.withLock { $0 = signal }
                errors.line(
                    "threadgate migrate-threads: signal \(signal): finishing the threads under way, starting no more (again to stop at once)")
            }
            let status = await run(
                options, migrator: migrator, output: output, errors: errors, stopped: { stop.withLock { $0 != nil } })
            signals.cancel()
            _ = await signals.value
            await pools.close()
            await upstream.shutdown()
            return status
        }
        await BlockingThread.value { EventLoop.shutdownAndJoin([loop]) }
        return status
    }

    /// The command over a ready migrator; `stopped` says when to start no more threads.
    static func run(
        _ options: Options, migrator: ThreadMigrator, output: ConsoleOutput, errors: ConsoleOutput,
        stopped: @escaping @Sendable () -> Bool = { false }
    ) async -> Int32 {
        do {
            guard try await migrator.schemaIsReady() else {
                errors.line("threadgate migrate-threads: the database has no thread_migrations table; run `threadgate migrate` first")
                return 1
            }
        } catch {
            errors.line("threadgate migrate-threads: cannot use the database: \(MigrateRuntime.describe(error))")
            return 1
        }
        let ids: [String]
        do {
            ids = try await selection(options, migrator: migrator)
        } catch {
            errors.line("threadgate migrate-threads: cannot list threads: \(MigrateRuntime.describe(error))")
            return 1
        }
        if options.dryRun { return await dryRun(ids, explicit: !options.threads.isEmpty, migrator: migrator, output: output) }

        var summary = Summary()
        await withTaskGroup(of: ThreadMigrationResult.self) { group in
            var pending = ids.makeIterator()
            for _ in 0..<max(1, options.concurrency) {
                guard let id = pending.next() else { break }
                group.addTask { await migrate(id, migrator) }
            }
            while let result = await group.next() {
                output.line(line(for: result))
                summary.count(result)
                if !stopped(), let id = pending.next() { group.addTask { await migrate(id, migrator) } }
            }
        }
        summary.notStarted = ids.count - summary.total
        output.line(summary.text)
        return summary.failed == 0 && summary.notStarted == 0 ? 0 : 1
    }

    /// The thread ids to work on, in order: the named ones (each once), or the candidates.
    static func selection(_ options: Options, migrator: ThreadMigrator) async throws -> [String] {
        if !options.threads.isEmpty {
            var ids: [String] = []
            for id in options.threads where !ids.contains(id) { ids.append(id) }
            return Array(ids.prefix(options.limit ?? ids.count))
        }
        return try await migrator.candidates(owner: options.user, limit: options.limit ?? 10_000_000).map(\.threadID)
    }

    /// One thread; a database error is that thread's failure.
    static func migrate(_ id: String, _ migrator: ThreadMigrator) async -> ThreadMigrationResult {
        do {
            return try await migrator.migrate(id)
        } catch {
            return ThreadMigrationResult(
                threadID: id, outcome: .failed, code: "database_error", message: MigrateRuntime.describe(error))
        }
    }

    static func line(for result: ThreadMigrationResult) -> String {
        let id = result.threadID
        let why = "\(result.code ?? result.outcome.rawValue): \(result.message ?? "")"
        switch result.outcome {
        case .migrated:
            guard let link = result.link else { return "migrated          \(id)" }
            var text = "migrated          \(id) \(link.fromUpstreamThreadID) -> \(link.toUpstreamThreadID ?? "?"): "
                + "\(link.copiedCount) of \(link.messageCount) messages copied"
            if link.skippedMessages > 0 { text += ", \(link.skippedMessages) without text not copied" }
            if !link.dropped.isEmpty { text += "; not carried over: \(droppedText(link))" }
            return text + " (\(seconds(result.duration)))"
        case .alreadyMigrated:
            return "already migrated  \(id) -> \(result.link?.toUpstreamThreadID ?? "?")"
        case .notApplicable:
            return "not applicable    \(id) \(why)"
        case .skipped:
            return "skipped           \(id) \(why)"
        case .failed, .notFound, .interrupted:
            return "FAILED            \(id) \(why)"
        }
    }

    /// `2 image_file, 1 attachment`.
    static func droppedText(_ link: ThreadMigrationLink) -> String {
        link.dropped.map { "\($0.value.int64Value ?? 0) \($0.key)" }.joined(separator: ", ")
    }

    static func seconds(_ duration: Duration) -> String {
        let millis = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return "\(millis / 1000).\(millis % 1000 / 100) s"
    }

    /// Tallies for the summary line.
    struct Summary {
        var total = 0, migrated = 0, already = 0, skipped = 0, notApplicable = 0, failed = 0
        var messages: Int64 = 0
        /// Threads of the selection not started because a signal stopped the run.
        var notStarted = 0

        mutating func count(_ result: ThreadMigrationResult) {
            total += 1
            switch result.outcome {
            case .migrated:
                migrated += 1
                messages += result.link?.copiedCount ?? 0
            case .alreadyMigrated: already += 1
            case .skipped: skipped += 1
            case .notApplicable: notApplicable += 1
            case .failed, .notFound, .interrupted: failed += 1
            }
        }

        var text: String {
            "migrate-threads: \(total) thread\(total == 1 ? "" : "s"): \(migrated) migrated, \(already) already migrated, "
                + "\(skipped) skipped, \(notApplicable) not applicable, \(failed) failed; \(messages) messages copied"
                + (notStarted > 0 ? "; stopped early, \(notStarted) not started" : "")
        }
    }

    // MARK: Dry run

    /// Lists what a real run would do, from the database alone (no upstream call).
    static func dryRun(_ ids: [String], explicit: Bool, migrator: ThreadMigrator, output: ConsoleOutput) async -> Int32 {
        var would = 0, busy = 0, other = 0, missing = 0
        for id in ids {
            let candidate: ThreadMigrationCandidate?
            do {
                candidate = try await migrator.candidate(id)
            } catch {
                output.line("FAILED            \(id) database_error: \(MigrateRuntime.describe(error))")
                missing += 1
                continue
            }
            guard let candidate else {
                output.line("not found         \(id)")
                missing += 1
                continue
            }
            if candidate.dialect != "assistants" {
                other += 1
                output.line(
                    candidate.linkStatus == "migrated"
                        ? "already migrated  \(id) -> \(candidate.upstreamThreadID)"
                        : "not applicable    \(id) on the \(candidate.dialect) API already")
                continue
            }
            var text = "owner \(candidate.owner), \(candidate.upstreamThreadID), last activity \(candidate.lastActivity)"
            if let status = candidate.linkStatus {
                text += "; last attempt \(status)\(candidate.linkError.map { " (\($0))" } ?? "")"
            }
            if let holder = candidate.heldBy {
                busy += 1
                output.line("would skip (busy) \(id) held by \(holder); \(text)")
            } else {
                would += 1
                output.line("would migrate     \(id) \(text)")
            }
        }
        output.line(
            "migrate-threads --dry-run: \(ids.count) thread\(ids.count == 1 ? "" : "s"): \(would) would be migrated, "
                + "\(busy) busy now, \(other) already moved or not applicable, \(missing) not found")
        return explicit && missing > 0 ? 1 : 0
    }
}
