import EventLoop
import Postgres
#if canImport(Glibc)
import Glibc
#endif

/// The private PostgreSQL cluster of `threadgate dev`, under `<directory>/.threadgate/pg`:
///
/// ```
/// .threadgate/pg/data        the cluster (initdb on the first run, reused afterwards)
/// .threadgate/pg/socket      its only listening socket (listen_addresses = '')
/// .threadgate/pg/server.log  the server's log; initdb.log and pg_ctl.log beside it
/// ```
///
/// It uses `initdb` and `pg_ctl` from the installed server package (`/usr/lib/postgresql/*/bin`).
/// PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` OS user
/// and every server command runs through `runuser -u postgres` (as `scripts/pg-test-cluster.sh`
/// does). The socket is reachable by its owner (and root) only, with `trust` authentication:
/// no password anywhere.
struct DevCluster: Sendable {
    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// The superuser role initdb creates, whatever the OS user.
    static let superuser = "postgres"
    /// The database the gateway uses, created on first start.
    static let database = "threadgate"
    /// Names the socket file (`.s.PGSQL.5432`); nothing listens on TCP.
    static let port = 5432

    let root: String
    let installation: PostgresInstallation
    let owner: ClusterOwner

    var dataDirectory: String { root + "/data" }
    var socketDirectory: String { root + "/socket" }
    var logFile: String { root + "/server.log" }

    /// The cluster for working directory `directory` (absolute), with the server binaries that
    /// match an existing cluster's version, else the newest installed.
    init(directory: String) throws(Failure) {
        root = directory + "/.threadgate/pg"
        owner = try ClusterOwner.current()
        let existing = Self.readVersion(root + "/data/PG_VERSION")
        installation = try PostgresInstallation.find(preferring: existing)
        if let existing, existing != installation.majorVersion {
            throw Failure(
                "\(root)/data was made by PostgreSQL \(existing), but only PostgreSQL \(installation.majorVersion) is "
                    + "installed: install PostgreSQL \(existing), or remove \(root) to start over (its data is lost)")
        }
    }

    /// The libpq connection string of the cluster's gateway database (no password: trust auth).
    var connectionString: String {
        "host=\(Self.quoted(socketDirectory)) port=\(Self.port) user=\(Self.superuser) dbname=\(Self.database)"
    }

    /// True once initdb has run here.
    var exists: Bool { Self.readVersion(dataDirectory + "/PG_VERSION") != nil }

    // MARK: Creating

    /// Runs initdb into `.threadgate/pg/data` (first run only).
    func create() async throws {
        try checkSocketPathLength()
        try makeDirectory(root.dropLastPathComponent, mode: 0o755, owned: false)
        try makeDirectory(root, mode: 0o700, owned: true)
        try owner.checkReachable(root)
        var info = stat()
        if stat(dataDirectory, &info) == 0 {
            throw Failure(
                "\(dataDirectory) exists but holds no cluster (an interrupted first run?); remove it and run again")
        }
        try makeDirectory(dataDirectory, mode: 0o700, owned: true)
        let log = root + "/initdb.log"
        let result = try await owner.run(
            installation.binary("initdb"),
            ["-D", dataDirectory, "-U", Self.superuser, "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"],
            outputFile: log)
        guard result.succeeded else {
            throw Failure("initdb failed (\(result)); see \(log)\(Self.tail(of: log))")
        }
        // Settings that must follow the directory if it moves are written at each start.
        try append("\ninclude_if_exists = 'threadgate.conf'\n", to: dataDirectory + "/postgresql.conf")
    }

    // MARK: Starting and stopping

    /// True when a postmaster runs on this data directory (`pg_ctl status`).
    func isRunning() async throws -> Bool {
        try await owner.run(installation.binary("pg_ctl"), ["status", "-D", dataDirectory]).succeeded
    }

    /// Starts the server and waits until it accepts connections (`pg_ctl start -w`).
    func start() async throws {
        try checkSocketPathLength()
        try makeDirectory(socketDirectory, mode: 0o700, owned: true)
        try writeSettings()
        let output = root + "/pg_ctl.log"
        let result = try await owner.run(
            installation.binary("pg_ctl"),
            ["start", "-D", dataDirectory, "-l", logFile, "-w", "-t", "60", "-s"],
            outputFile: output)
        guard result.succeeded else {
            throw Failure("PostgreSQL did not start (\(result)); see \(logFile)\(Self.tail(of: logFile))")
        }
    }

    /// Stops the server (`pg_ctl stop -m fast`: open sessions are ended, data is kept).
    func stop() async throws {
        let result = try await owner.run(
            installation.binary("pg_ctl"), ["stop", "-D", dataDirectory, "-m", "fast", "-w", "-t", "60", "-s"],
            outputFile: root + "/pg_ctl.log")
        guard result.succeeded else { throw Failure("pg_ctl stop failed (\(result)); see \(logFile)") }
    }

    /// The settings that keep the server private: no TCP, the socket in `.threadgate/pg/socket`
    /// for its owner only. Rewritten at each start so a moved project still works.
    private func writeSettings() throws {
        let settings = """
            # Written by `threadgate dev` at each start; edits are overwritten.
            listen_addresses = ''
            port = \(Self.port)
            unix_socket_directories = \(Self.configQuoted(socketDirectory))
            unix_socket_permissions = 0700

            """
        let path = dataDirectory + "/threadgate.conf"
        try write(settings, to: path, flags: O_WRONLY | O_CREAT | O_TRUNC)
        try owner.chown(path)
    }

    /// Creates the gateway's database on a running server unless it exists.
    func createDatabaseIfMissing() async throws {
        var configuration = try PostgresConfiguration(connectionString)
        configuration.set("dbname", "postgres")
        let loop = try EventLoop.start(name: "tg-dev-setup")
        let outcome: Result<Void, any Error> = await withTaskExecutorPreference(loop) {
            do {
                let connection = try await PostgresConnection.connect(to: configuration, on: loop)
                do {
                    let rows = try await connection.query(
                        PostgresQuery("SELECT 1 FROM pg_database WHERE datname = $1", Self.database))
                    if rows.isEmpty {
                        try await connection.executeScript("CREATE DATABASE \(Self.database)")  // a constant identifier
                    }
                } catch {
                    await connection.close()
                    throw error
                }
                await connection.close()
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        await BlockingThread.value { EventLoop.shutdownAndJoin([loop]) }
        try outcome.get()
    }

    // MARK: Files

    /// The socket's full path must fit `sun_path` (107 bytes and a NUL).
    private func checkSocketPathLength() throws(Failure) {
        let path = socketDirectory + "/.s.PGSQL.\(Self.port)"
        guard path.utf8.count <= 107 else {
            throw Failure(
                "the database socket path \(path) is \(path.utf8.count) bytes, over the 107 a unix socket allows: "
                    + "run threadgate dev from a directory with a shorter path")
        }
    }

    private func makeDirectory(_ path: String, mode: mode_t, owned: Bool) throws(Failure) {
        if mkdir(path, mode) != 0, errno != EEXIST {
            throw Failure("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        if owned { try owner.chown(path) }
    }

    private func append(_ text: String, to path: String) throws(Failure) {
        try write(text, to: path, flags: O_WRONLY | O_APPEND)
    }

    private func write(_ text: String, to path: String, flags: Int32) throws(Failure) {
        let fd = open(path, flags | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure("cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw Failure("cannot write \(path): \(String(cString: strerror(errno)))")
            }
            offset += written
        }
    }

    /// The major version in a `PG_VERSION` file, or nil.
    static func readVersion(_ path: String) -> Int? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 16)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        return Int(String(decoding: buffer[0..<count], as: UTF8.self).filter { !$0.isWhitespace })
    }

    /// The last lines of a log file, indented, for an error message.
    static func tail(of path: String, lines: Int = 8) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return "" }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            bytes += chunk[0..<count]
            if bytes.count > 256 * 1024 { bytes.removeFirst(bytes.count - 64 * 1024) }
        }
        let text = String(decoding: bytes, as: UTF8.self).split(separator: "\n").suffix(lines)
        return text.isEmpty ? "" : ":\n" + text.map { "    " + $0 }.joined(separator: "\n")
    }

    /// A libpq conninfo value in single quotes (`\` and `'` escaped).
    static func quoted(_ value: String) -> String {
        "'" + value.replacing("\\", with: "\\\\").replacing("'", with: "\\'") + "'"
    }

    /// A postgresql.conf string value (`'` doubled, `\` escaped).
    static func configQuoted(_ value: String) -> String {
        "'" + value.replacing("\\", with: "\\\\").replacing("'", with: "''") + "'"
    }
}

extension String {
    /// The path without its last component (`/a/b` → `/a`).
    var dropLastPathComponent: String { MigrationsLocation.parent(of: self) }
}
