public import Logging
#if canImport(Glibc)
import Glibc
#endif

/// `threadgate dev`: everything on one machine with no setup.
///
/// 1. takes `.threadgate/dev.lock` in the working directory (one dev run per directory);
/// 2. starts each ``DevService`` in order, each pointing the gateway's configuration at itself:
///    the private PostgreSQL cluster (``DevDatabase``: created on the first run, reused
///    afterwards), the token secret (``DevAuth``: `.threadgate/jwt-secret`, unless `AUTH_*` is
///    set) and the upstream simulator in-process (``DevSimulator``, unless `UPSTREAM_BASE_URL`
///    names another upstream);
/// 3. serves like `threadgate serve --migrate` and prints the URL, a user and an admin token,
///    and commands to try (``DevBanner``);
/// 4. on SIGINT/SIGTERM drains the gateway, then stops the services in reverse order
///    (the simulator, then the cluster with `pg_ctl stop -m fast`; its data stays for the next run).
///
/// Adding a component means adding a ``DevService`` to ``services(directory:options:configuration:)``;
/// the runtime itself does not change.
public enum DevRuntime {
    /// Runs until SIGINT/SIGTERM. `config` is `serve`'s configuration from flags and the
    /// environment; the services fill in the database, the token secret and the upstream
    /// (each only where the environment did not, `DATABASE_URL` excepted: always the cluster).
    /// - Throws: when a service or the gateway cannot start (services already started are stopped first).
    public static func run(
        _ config: ServeConfiguration, options: DevOptions = DevOptions(), output: ConsoleOutput, logger: Logger
    ) async throws {
        let directory = try currentDirectory()
        let lock = try DevLock(directory: directory + "/.threadgate")
        defer { lock.release() }
        var config = config
        var started: [any DevService] = []
        if let upstream = config.upstream.baseURL {
            output.line("threadgate dev: using the upstream at \(upstream) (UPSTREAM_BASE_URL); no simulator started")
        }
        do {
            for service in try services(directory: directory, options: options, configuration: config) {
                try await service.start(configuring: &config, output: output)
                started.append(service)
            }
            config.migrateOnStart = true
            let host = config.host == "0.0.0.0" ? "127.0.0.1" : config.host
            let tokens = try DevTokens.mint(config.auth)
            try await ServeRuntime.run(config, logger: logger) { gateway in
                let url = "http://\(host.contains(":") ? "[\(host)]" : host):\(gateway.port)"
                output.line("threadgate dev: serving on \(url)")
                for line in DevBanner.lines(url: url, tokens: tokens) { output.line(line) }
            }
        } catch {
            await stop(started, output: output)
            throw error
        }
        await stop(started, output: output)
    }

    /// What `dev` runs beside the gateway, in start order, given the configuration from the
    /// environment: no simulator when `UPSTREAM_BASE_URL` names an upstream.
    static func services(
        directory: String, options: DevOptions, configuration: ServeConfiguration
    ) throws -> [any DevService] {
        var services: [any DevService] = [try DevDatabase(cluster: DevCluster(directory: directory)), DevAuth(directory: directory)]
        if configuration.upstream.baseURL == nil {
            services.append(
                DevSimulator(directory: directory, port: options.simulatorPort, logger: Logger(label: "threadgate.simulator")))
        }
        return services
    }

    private static func stop(_ services: [any DevService], output: ConsoleOutput) async {
        for service in services.reversed() {
            await service.stop(output: output)
        }
    }

    static func currentDirectory() throws(DevCluster.Failure) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else {
            throw DevCluster.Failure("cannot read the working directory: \(String(cString: strerror(errno)))")
        }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// What `threadgate dev` takes beyond `serve`'s settings.
public struct DevOptions: Sendable, Equatable {
    /// `--simulator-port`: nil for 8090, or a free port when 8090 is taken.
    public var simulatorPort: Int?

    public init(simulatorPort: Int? = nil) { self.simulatorPort = simulatorPort }

    /// Checks the command line's raw values.
    public static func resolve(simulatorPort: String?) throws(ConfigurationError) -> DevOptions {
        DevOptions(
            simulatorPort: try simulatorPort.map { text throws(ConfigurationError) in
                try ServeConfiguration.integer(text, setting: "simulator port", range: 0...65535)
            })
    }
}

/// One component `threadgate dev` runs beside the gateway.
protocol DevService: Sendable {
    /// Starts the component and points `configuration` at it; prints what a developer needs.
    func start(configuring configuration: inout ServeConfiguration, output: ConsoleOutput) async throws
    /// Stops it; reports failures on `output` rather than throwing (shutdown continues).
    func stop(output: ConsoleOutput) async
}

/// The private PostgreSQL cluster as a dev component: sets `DATABASE_URL` to its socket.
struct DevDatabase: DevService {
    let cluster: DevCluster

    func start(configuring configuration: inout ServeConfiguration, output: ConsoleOutput) async throws {
        let version = cluster.installation.majorVersion
        if cluster.exists {
            output.line("threadgate dev: reusing the PostgreSQL \(version) cluster in .threadgate/pg")
        } else {
            output.line("threadgate dev: creating a PostgreSQL \(version) cluster in .threadgate/pg (first run)")
            try await cluster.create()
        }
        if try await cluster.isRunning() {
            // Left running by a dev run that did not stop cleanly (the lock proves none is running now).
            output.line("threadgate dev: PostgreSQL was still running; taking it over")
        } else {
            try await cluster.start()
        }
        do {
            try await cluster.createDatabaseIfMissing()
            configuration.database.url = try DatabaseURL(validating: cluster.connectionString)
        } catch {
            await stop(output: output)  // not started as far as the runtime knows: stop it here
            throw error
        }
        output.line("threadgate dev: database ready: psql \"\(cluster.connectionString)\"")
    }

    func stop(output: ConsoleOutput) async {
        do {
            try await cluster.stop()
            output.line("threadgate dev: PostgreSQL stopped (data kept in .threadgate/pg)")
        } catch {
            output.line("threadgate dev: \(error)")
        }
    }
}

/// An exclusive `flock` on `.threadgate/dev.lock`, held for the life of the dev run and
/// released by the kernel if the process dies. Close-on-exec, so no child inherits it.
final class DevLock {
    private var fd: Int32

    init(directory: String) throws(DevCluster.Failure) {
        if mkdir(directory, 0o755) != 0, errno != EEXIST {
            throw DevCluster.Failure("cannot create \(directory): \(String(cString: strerror(errno)))")
        }
        let path = directory + "/dev.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DevCluster.Failure("cannot open \(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw DevCluster.Failure("another `threadgate dev` is running in this directory (\(path) is locked)")
        }
        self.fd = fd
    }

    /// Releases the lock. Idempotent.
    func release() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
    }

    deinit { release() }
}
