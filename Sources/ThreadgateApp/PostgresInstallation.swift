#if canImport(Glibc)
import Glibc
#endif

/// The PostgreSQL server binaries installed by Debian's `postgresql-NN` packages, in
/// `/usr/lib/postgresql/NN/bin`.
struct PostgresInstallation: Sendable, Equatable {
    static let root = "/usr/lib/postgresql"

    let majorVersion: Int
    let binDirectory: String

    func binary(_ name: String) -> String { binDirectory + "/" + name }

    /// The installation of version `preferred` when installed, else the newest one.
    static func find(preferring preferred: Int? = nil) throws(DevCluster.Failure) -> PostgresInstallation {
        let found = installed()
        if let preferred, let match = found.first(where: { $0.majorVersion == preferred }) { return match }
        guard let newest = found.max(by: { $0.majorVersion < $1.majorVersion }) else {
            throw DevCluster.Failure(
                "no PostgreSQL server found under \(root)/*/bin (install the postgresql package, "
                    + "e.g. `apt-get install postgresql`; scripts/install-deps.sh does)")
        }
        return newest
    }

    /// Every `/usr/lib/postgresql/NN/bin` holding `initdb` and `pg_ctl`.
    static func installed() -> [PostgresInstallation] {
        guard let handle = opendir(root) else { return [] }
        defer { closedir(handle) }
        var result: [PostgresInstallation] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let version = Int(name) else { continue }
            let bin = "\(root)/\(name)/bin"
            if access(bin + "/initdb", X_OK) == 0, access(bin + "/pg_ctl", X_OK) == 0 {
                result.append(PostgresInstallation(majorVersion: version, binDirectory: bin))
            }
        }
        return result
    }
}

/// Who owns and runs the dev cluster: the current user, or — when threadgate runs as root,
/// which PostgreSQL refuses — the `postgres` OS user, through `runuser`.
struct ClusterOwner: Sendable {
    /// Set when running as root: the account the server runs as.
    let account: (name: String, uid: uid_t, gid: gid_t)?
    let runuser: String?

    static func current() throws(DevCluster.Failure) -> ClusterOwner {
        guard getuid() == 0 else { return ClusterOwner(account: nil, runuser: nil) }
        guard let entry = getpwnam("postgres") else {
            throw DevCluster.Failure(
                "running as root, but there is no `postgres` OS user for the server to run as "
                    + "(PostgreSQL refuses root): install the postgresql package, or run threadgate dev as a regular user")
        }
        let candidates: [String] = ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"]
        guard let runuser = candidates.first(where: { access($0, X_OK) == 0 }) else {
            throw DevCluster.Failure("running as root, but `runuser` (util-linux) is missing; run threadgate dev as a regular user")
        }
        return ClusterOwner(account: ("postgres", entry.pointee.pw_uid, entry.pointee.pw_gid), runuser: runuser)
    }

    /// Runs a server command as the owner.
    func run(_ executable: String, _ arguments: [String], outputFile: String? = nil) async throws -> ChildProcess.Termination {
        if let account, let runuser {
            return try await ChildProcess.run(runuser, ["-u", account.name, "--", executable] + arguments, outputFile: outputFile)
        }
        return try await ChildProcess.run(executable, arguments, outputFile: outputFile)
    }

    /// Gives `path` to the owner (when it is not us).
    func chown(_ path: String) throws(DevCluster.Failure) {
        guard let account else { return }
        if Glibc.chown(path, account.uid, account.gid) != 0 {
            throw DevCluster.Failure("cannot give \(path) to the \(account.name) user: \(String(cString: strerror(errno)))")
        }
    }

    /// Checks that the owner can reach `path`: as root, every parent directory must be
    /// searchable by the `postgres` user (a project under `/root` is not, by default).
    func checkReachable(_ path: String) throws(DevCluster.Failure) {
        guard let account else { return }
        var groups = [gid_t](repeating: 0, count: 64)
        var groupCount = Int32(groups.count)
        if getgrouplist(account.name, account.gid, &groups, &groupCount) < 0 { groupCount = 1 }
        let memberOf = Set(groups.prefix(Int(max(1, groupCount))))
        var directory = path.dropLastPathComponent
        while true {
            var info = stat()
            if stat(directory, &info) == 0 {
                let mode = info.st_mode
                let searchable =
                    mode & S_IXOTH != 0 || (info.st_uid == account.uid && mode & S_IXUSR != 0)
                    || (memberOf.contains(info.st_gid) && mode & S_IXGRP != 0)
                if !searchable {
                    throw DevCluster.Failure(
                        "the \(account.name) user, which runs the dev database when threadgate runs as root, cannot enter "
                            + "\(directory): allow it (`chmod o+x \(directory)`), or run threadgate dev from another directory "
                            + "or as a regular user")
                }
            }
            if directory == "/" { return }
            directory = directory.dropLastPathComponent
        }
    }
}
