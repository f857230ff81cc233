import Postgres
#if canImport(Glibc)
import Glibc
#endif

/// Finds the migration files.
///
/// 1. `MIGRATIONS_DIR` when set (it must exist);
/// 2. else `./migrations` in the working directory;
/// 3. else `migrations/` next to the executable or in one of its four nearest parent
///    directories — which finds the repository's `migrations/` from `.build/<config>/threadgate`
///    (and `.build/<triple>/<config>/threadgate`), and `<prefix>/migrations` for an install
///    laid out as `<prefix>/bin/threadgate`, so `threadgate dev` works from any directory.
public enum MigrationsLocation {
    /// The directory to load migrations from.
    /// - Throws: `ConfigurationError` for `MIGRATIONS_DIR`, naming the places searched.
    public static func resolve(_ explicit: String?) throws(ConfigurationError) -> String {
        if let explicit {
            guard isDirectory(explicit) else {
                throw ConfigurationError(setting: "MIGRATIONS_DIR", "'\(explicit)' is not a directory")
            }
            return explicit
        }
        var searched = ["./migrations"]
        if isDirectory("migrations") { return "migrations" }
        if let executable = executablePath() {
            var directory = parent(of: executable)
            for _ in 0..<5 {
                let candidate = directory == "/" ? "/migrations" : directory + "/migrations"
                searched.append(candidate)
                if isDirectory(candidate) { return candidate }
                if directory == "/" { break }
                directory = parent(of: directory)
            }
        }
        throw ConfigurationError(
            setting: "MIGRATIONS_DIR",
            "no migrations directory found (looked in \(searched.joined(separator: ", "))); set MIGRATIONS_DIR")
    }

    /// Loads the migrations from the directory `resolve` finds.
    static func load(_ explicit: String?) throws -> Migrator {
        let directory = try resolve(explicit)
        return try Migrator(directory: directory)
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// The running executable's real path (`/proc/self/exe`), or nil where it cannot be read.
    static func executablePath() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
