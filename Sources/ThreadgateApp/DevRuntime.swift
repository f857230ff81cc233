public import Logging
#if canImport(Glibc)
import Glibc
#endif

/// `threadgate dev`: everything on one machine with no setup.
///
/// 1. takes `.threadgate/dev.lock` in the working directory (one dev run per directory);
/// 2. starts each ``DevService`` in order — today the private PostgreSQL cluster
///    (``DevDatabase``): created on the first run, reused afterwards — each pointing the
///    gateway's configuration at itself;
/// 3. serves like `threadgate serve --migrate` and prints the URL;
/// 4. on SIGINT/SIGTERM stops the gateway, then the services in reverse order
///    (the cluster with `pg_ctl stop -m fast`; its data stays for the next run).
///
/// Adding a component (the upstream simulator, then token minting) means adding a
/// ``DevService`` to ``services(directory:)``; the runtime itself does not change.
public enum DevRuntime {
    /// Runs until SIGINT/SIGTERM. `config` is `serve`'s configuration; its database settings
    /// are replaced by the private cluster's.
    /// - Throws: when a service or the gateway cannot start (services already started are stopped first).
    public static func run(_ config: ServeConfiguration, output: ConsoleOutput, logger: Logger) async throws {
        let directory = try currentDirectory()
        let lock = try DevLock(directory: directory + "/.threadgate")
        defer { lock.release() }
        var config = config
        var started: [any DevService] = []
        do {
            for service in try services(directory: directory) {
                try await service.start(configuring: &config, output: output)
                started.append(service)
            }
            config.migrateOnStart = true
            let host = config.host == "0.0.0.0" ? "127.0.0.1" : config.host
            try await ServeRuntime.run(config, logger: logger) { gateway in
                output.line("threadgate dev: serving on http://\(host):\(gateway.port)  (readiness: http://\(host):\(gateway.port)/readyz)")
                output.line("threadgate dev: press Ctrl-C to stop")
            }
        } catch {
            await stop(started, output: output)
            throw error
        }
        await stop(started, output: output)
    }

    /// What `dev` runs beside the gateway, in start order.
    static func services(directory: String) throws -> [any DevService] {
        [try DevDatabase(cluster: DevCluster(directory: directory))]
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
