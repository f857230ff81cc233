public import Postgres

/// The database part of the configuration: where PostgreSQL is, how each worker's pool is sized,
/// and where the migration files are.
///
/// | environment | default | allowed |
/// | --- | --- | --- |
/// | `DATABASE_URL` | unset: no database (`/readyz` answers 503) | any libpq connection string |
/// | `DB_POOL_MIN` | `1` | 0–1000 connections per worker, at most `DB_POOL_MAX` |
/// | `DB_POOL_MAX` | `10` | 1–1000 connections per worker |
/// | `DB_ACQUIRE_TIMEOUT_MS` | `5000` | 1–600000 |
/// | `MIGRATIONS_DIR` | see ``MigrationsLocation`` | a directory of `NNNN_name.sql` files |
public struct DatabaseSettings: Sendable, Equatable {
    /// The connection string; nil when `DATABASE_URL` is unset or empty.
    public var url: DatabaseURL?
    /// Connections each worker's pool keeps open (re-opened in the background after an outage).
    public var poolMinimum = 1
    /// The most connections each worker's pool opens.
    public var poolMaximum = 10
    /// How long a request waits for a free pooled connection before it gets a 503.
    public var acquireTimeout: Duration = .milliseconds(5000)
    /// `MIGRATIONS_DIR` when given; nil means "search" (see ``MigrationsLocation``).
    public var migrationsDirectory: String?

    public init() {}

    /// Reads the database settings from `environment`.
    /// - Throws: `ConfigurationError` naming the setting; the message never repeats `DATABASE_URL`'s value.
    public static func resolve(environment: [String: String]) throws(ConfigurationError) -> DatabaseSettings {
        var settings = DatabaseSettings()
        if let text = environment["DATABASE_URL"], !text.isEmpty {
            settings.url = try DatabaseURL(validating: text)
        }
        if let text = environment["DB_POOL_MIN"] {
            settings.poolMinimum = try ServeConfiguration.integer(text, setting: "DB_POOL_MIN", range: 0...1000)
        }
        if let text = environment["DB_POOL_MAX"] {
            settings.poolMaximum = try ServeConfiguration.integer(text, setting: "DB_POOL_MAX", range: 1...1000)
        }
        guard settings.poolMinimum <= settings.poolMaximum else {
            throw ConfigurationError(
                setting: "DB_POOL_MIN",
                "\(settings.poolMinimum) is more than DB_POOL_MAX (\(settings.poolMaximum))")
        }
        if let text = environment["DB_ACQUIRE_TIMEOUT_MS"] {
            let milliseconds = try ServeConfiguration.integer(text, setting: "DB_ACQUIRE_TIMEOUT_MS", range: 1...600_000)
            settings.acquireTimeout = .milliseconds(milliseconds)
        }
        if let directory = environment["MIGRATIONS_DIR"] {
            guard !directory.isEmpty else {
                throw ConfigurationError(setting: "MIGRATIONS_DIR", "is empty (unset it to use the default search)")
            }
            settings.migrationsDirectory = directory
        }
        return settings
    }

    /// The pool configuration for one worker, or nil without a database.
    var poolConfiguration: PostgresPoolConfiguration? {
        guard let url else { return nil }
        return PostgresPoolConfiguration(
            connection: url.configuration, minimumConnections: poolMinimum, maximumConnections: poolMaximum,
            acquireTimeout: acquireTimeout)
    }
}

/// `DATABASE_URL`, checked by libpq's parser. Printing it (even inside a printed configuration)
/// shows ``redacted``, never the password.
///
/// Any libpq form works: a URI (`postgresql://app@db.internal/app?sslmode=require`), key=value
/// pairs (`host=/run/postgresql dbname=app`), or `postgresql://` alone to take everything from
/// the `PG*` environment variables.
public struct DatabaseURL: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The connection string exactly as given. Never log it.
    public let rawValue: String
    /// The parsed form.
    public let configuration: PostgresConfiguration

    /// Parses `text`. libpq's `connect_timeout` (seconds; at least 2, as libpq has it) bounds
    /// each connection attempt; without it an attempt may take 10 seconds.
    /// - Throws: `ConfigurationError` for `DATABASE_URL` that does not echo the value (it may hold a password).
    public init(validating text: String) throws(ConfigurationError) {
        do {
            var configuration = try PostgresConfiguration(text)
            if let timeout = configuration.value(for: "connect_timeout").flatMap({ Int($0) }), timeout > 0 {
                configuration.connectTimeout = .seconds(max(2, timeout))
            }
            self.configuration = configuration
        } catch {
            throw ConfigurationError(
                setting: "DATABASE_URL",
                "is not a libpq connection string (expected a postgresql:// URI or key=value pairs; "
                    + "the value is not shown because it may contain a password)")
        }
        rawValue = text
    }

    /// The explicit settings with the password hidden, for logs.
    public var redacted: String { configuration.redactedDescription }

    public var description: String { redacted }
    public var debugDescription: String { "DatabaseURL(\(redacted))" }

    public static func == (lhs: DatabaseURL, rhs: DatabaseURL) -> Bool { lhs.rawValue == rhs.rawValue }
}
