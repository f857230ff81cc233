import ArgumentParser
import Logging
import ThreadgateApp

/// `threadgate migrate-threads`: move Assistants threads to Responses conversations.
struct MigrateThreads: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate-threads",
        abstract: "Copy Assistants threads into Responses conversations and point the threads at them.",
        discussion: """
            For each selected thread still on the Assistants API: takes the thread's turn (no ask runs meanwhile; \
            a thread with an active run is skipped), reads its whole message history, creates a conversation \
            with the owner metadata, adds the messages as items (user and assistant text; images, files, \
            annotations and message metadata cannot be carried over and are counted), then switches the thread \
            to the conversation. Thread ids do not change. The link is recorded in the thread_migrations table. \
            Re-running is safe: migrated threads are left alone, an interrupted copy is deleted and redone, and \
            a thread the old upstream no longer lets it read (404/410/403, unreachable) is left untouched with \
            the reason recorded.
            Environment: as for serve: DATABASE_URL, UPSTREAM_BASE_URL, UPSTREAM_API_KEY, RESPONSES_PROFILES_FILE, \
            RESPONSES_MODEL, UPSTREAM_* timeouts; LOG_LEVEL (default warning here) for the JSON logs on stderr.
            Prints one line per thread and a summary. Exits 0 when no thread failed (skipped ones included), 1 \
            when any failed, the database could not be used or a signal stopped the run early, 2 when DATABASE_URL \
            or UPSTREAM_BASE_URL is missing. SIGINT/SIGTERM: the threads under way finish, no more start; a second \
            signal stops at once (a later run resumes any thread left half copied).
            """)

    @Option(name: .customLong("thread"), help: "A thread id (thr_…) to migrate; repeat for more.")
    var threads: [String] = []

    @Option(help: "Migrate this user's (token subject's) threads.")
    var user: String?

    @Flag(help: "Migrate every thread still on the Assistants API.")
    var all = false

    @Flag(name: .customLong("dry-run"), help: "List what would be migrated; change nothing.")
    var dryRun = false

    @Option(help: "Migrate at most N threads this run (threads never tried come first).")
    var limit: Int?

    @Option(help: "Threads migrated at once, 1–16 (default 2).")
    var concurrency: Int = 2

    func validate() throws {
        let selections = (threads.isEmpty ? 0 : 1) + (user == nil ? 0 : 1) + (all ? 1 : 0)
        guard selections == 1 else {
            throw ValidationError("Choose the threads with exactly one of --thread (repeatable), --user or --all.")
        }
        if let user, user.isEmpty { throw ValidationError("--user needs a subject.") }
        if threads.contains(where: \.isEmpty) { throw ValidationError("--thread needs a thread id.") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1.") }
        guard (1...16).contains(concurrency) else { throw ValidationError("--concurrency must be between 1 and 16.") }
        do { _ = try resolved() } catch { throw ValidationError(error.description) }
    }

    private func resolved() throws(ConfigurationError) -> ServeConfiguration {
        try ServeConfiguration.resolve(flags: .init(), environment: ProcessEnvironment.current, cores: 1)
    }

    func run() async throws {
        let config = try resolved()
        let level = ProcessEnvironment.current["LOG_LEVEL"] == nil ? Logger.Level.warning : config.logLevel
        JSONLogHandler.bootstrap(level: level, output: .standardError)
        var options = MigrateThreadsRuntime.Options()
        options.threads = threads
        options.user = user
        options.all = all
        options.dryRun = dryRun
        options.limit = limit
        options.concurrency = concurrency
        let code = await MigrateThreadsRuntime.run(
            options, configuration: config, output: .standardOutput, errors: .standardError, logger: Logger(label: "threadgate"))
        if code != 0 { throw ExitCode(code) }
    }
}
