import EventLoop
#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn` (no shell, no Foundation), waited for on a
/// thread of its own so neither a loop thread nor the cooperative pool ever blocks in `waitpid`.
///
/// The child gets `/dev/null` as stdin, its stdout and stderr appended to `outputFile` (or
/// `/dev/null`), SIGINT/SIGTERM/SIGPIPE at their defaults, no blocked signals, and a process
/// group of its own — so a Ctrl-C at the terminal reaches threadgate, which then stops its
/// children in order, instead of reaching every child at once.
///
/// ```swift
/// let status = try await ChildProcess.run("/usr/lib/postgresql/17/bin/pg_ctl", ["status", "-D", dir])
/// ```
struct ChildProcess: Sendable {
    /// How a child ended.
    enum Termination: Equatable, Sendable, CustomStringConvertible {
        case exited(Int32)
        case signalled(Int32)

        var succeeded: Bool { self == .exited(0) }

        var description: String {
            switch self {
            case .exited(let code): "exit status \(code)"
            case .signalled(let signal): "signal \(signal)"
            }
        }
    }

    struct SpawnError: Error, CustomStringConvertible {
        let executable: String
        let errorNumber: Int32
        var description: String { "cannot run \(executable): \(String(cString: strerror(errorNumber)))" }
    }

    let pid: pid_t
    let executable: String

    /// Starts `executable` (an absolute path) with `arguments`, and `environment` (`NAME=value`
    /// entries) or, when nil, this process's environment.
    static func spawn(
        _ executable: String, _ arguments: [String], outputFile: String? = nil, environment: [String]? = nil
    ) throws(SpawnError) -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputFile ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGPIPE, SIGQUIT, SIGHUP] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { $0.map { strdup($0) } + [nil] }
        defer {
            argv.forEach { free($0) }
            envp?.forEach { free($0) }
        }
        var pid = pid_t()
        let status = envp.map { posix_spawn(&pid, executable, &actions, &attributes, argv, $0) }
            ?? posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard status == 0 else { throw SpawnError(executable: executable, errorNumber: status) }
        return ChildProcess(pid: pid, executable: executable)
    }

    /// Waits for the child to end (on a thread of its own) and reaps it.
    func wait() async -> Termination {
        let pid = self.pid
        return await BlockingThread.value {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 {
                if errno != EINTR { return .exited(-1) }
            }
            // WIFEXITED / WEXITSTATUS / WTERMSIG are C macros Swift cannot import.
            let signal = status & 0x7f
            return signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
        }
    }

    /// Runs `executable` to completion.
    static func run(
        _ executable: String, _ arguments: [String], outputFile: String? = nil, environment: [String]? = nil
    ) async throws -> Termination {
        try await spawn(executable, arguments, outputFile: outputFile, environment: environment).wait()
    }
}
