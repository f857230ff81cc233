import DatabaseTestSupport
import Testing
@testable import ThreadgateApp

#if canImport(Glibc)
import Glibc
#endif

/// The database settings of `serve`: parsed and checked like the other settings, no database needed.
@Suite struct DatabaseConfigurationTests {
    func resolve(_ environment: [String: String]) throws(ConfigurationError) -> ServeConfiguration {
        try ServeConfiguration.resolve(flags: .init(), environment: environment, cores: 2)
    }

    func expectError(
        _ setting: String, _ environment: [String: String], sourceLocation: SourceLocation = #_sourceLocation
    ) -> ConfigurationError? {
        do {
            _ = try resolve(environment)
            Issue.record("expected an error for \(setting)", sourceLocation: sourceLocation)
            return nil
        } catch {
            #expect(error.setting == setting, "\(error)", sourceLocation: sourceLocation)
            return error
        }
    }

    @Test func defaultsHaveNoDatabase() throws {
        let config = try resolve([:])
        #expect(config.database.url == nil)
        #expect(config.database.poolMinimum == 1)
        #expect(config.database.poolMaximum == 10)
        #expect(config.database.acquireTimeout == .milliseconds(5000))
        #expect(config.database.migrationsDirectory == nil)
        #expect(config.database.poolConfiguration == nil)
        #expect(config.migrateOnStart == false)
        #expect(config.benchRoutes == false)
    }

    @Test func emptyDatabaseURLMeansNoDatabase() throws {
        #expect(try resolve(["DATABASE_URL": ""]).database.url == nil)
    }

    @Test(arguments: [
        "postgresql://app:s3cret@db.internal:5433/app?sslmode=require",
        "postgres:///app?host=/run/postgresql",
        "host=/run/postgresql port=5432 dbname=app user=app",
        "postgresql://",
    ])
    func acceptsEveryLibpqForm(_ url: String) throws {
        let config = try resolve(["DATABASE_URL": url])
        #expect(config.database.url?.rawValue == url)
        #expect(config.database.poolConfiguration != nil)
    }

    @Test func parsedSettingsAreLibpqs() throws {
        let url = try #require(try resolve(["DATABASE_URL": "postgresql://app@db.internal:5433/appdb"]).database.url)
        #expect(url.configuration.value(for: "host") == "db.internal")
        #expect(url.configuration.value(for: "port") == "5433")
        #expect(url.configuration.value(for: "dbname") == "appdb")
    }

    @Test func aMalformedURLIsRejectedWithoutRepeatingIt() {
        let error = expectError("DATABASE_URL", ["DATABASE_URL": "host=db password=hunter2 oops"])
        #expect(error?.description.contains("hunter2") == false)
        #expect(error?.description.contains("libpq") == true)
        _ = expectError("DATABASE_URL", ["DATABASE_URL": "postgresql://db/app?nosuchoption=1"])
    }

    @Test func printingTheConfigurationHidesThePassword() throws {
        let config = try resolve(["DATABASE_URL": "postgresql://app:hunter2@db.internal/app"])
        #expect(!"\(config)".contains("hunter2"))
        #expect(!String(reflecting: config).contains("hunter2"))
        #expect(config.database.url?.redacted.contains("password=***") == true)
    }

    @Test func connectTimeoutFromTheURLBoundsConnecting() throws {
        let url = try #require(try resolve(["DATABASE_URL": "host=/tmp connect_timeout=3"]).database.url)
        #expect(url.configuration.connectTimeout == .seconds(3))
        let short = try #require(try resolve(["DATABASE_URL": "host=/tmp connect_timeout=1"]).database.url)
        #expect(short.configuration.connectTimeout == .seconds(2))
    }

    @Test func poolSizes() throws {
        let config = try resolve(["DB_POOL_MIN": "0", "DB_POOL_MAX": "32", "DATABASE_URL": "postgresql://"])
        #expect(config.database.poolMinimum == 0)
        #expect(config.database.poolMaximum == 32)
        let pool = try #require(config.database.poolConfiguration)
        #expect(pool.minimumConnections == 0)
        #expect(pool.maximumConnections == 32)
        #expect(pool.acquireTimeout == .milliseconds(5000))
    }

    @Test func poolSizesAreValidated() {
        _ = expectError("DB_POOL_MAX", ["DB_POOL_MAX": "0"])
        _ = expectError("DB_POOL_MAX", ["DB_POOL_MAX": "1001"])
        _ = expectError("DB_POOL_MAX", ["DB_POOL_MAX": "ten"])
        _ = expectError("DB_POOL_MIN", ["DB_POOL_MIN": "-1"])
        let error = expectError("DB_POOL_MIN", ["DB_POOL_MIN": "5", "DB_POOL_MAX": "4"])
        #expect(error?.description.contains("DB_POOL_MAX") == true)
    }

    @Test func acquireTimeout() throws {
        #expect(try resolve(["DB_ACQUIRE_TIMEOUT_MS": "250"]).database.acquireTimeout == .milliseconds(250))
        _ = expectError("DB_ACQUIRE_TIMEOUT_MS", ["DB_ACQUIRE_TIMEOUT_MS": "0"])
        _ = expectError("DB_ACQUIRE_TIMEOUT_MS", ["DB_ACQUIRE_TIMEOUT_MS": "600001"])
        _ = expectError("DB_ACQUIRE_TIMEOUT_MS", ["DB_ACQUIRE_TIMEOUT_MS": "1.5"])
    }

    @Test func migrationsDirectory() throws {
        #expect(try resolve(["MIGRATIONS_DIR": "/srv/migrations"]).database.migrationsDirectory == "/srv/migrations")
        _ = expectError("MIGRATIONS_DIR", ["MIGRATIONS_DIR": ""])
    }

    @Test func migrationsLocation() throws {
        #expect(try MigrationsLocation.resolve(repositoryMigrations) == repositoryMigrations)
        #expect(throws: ConfigurationError.self) { try MigrationsLocation.resolve("/nonexistent/migrations") }
        // Without MIGRATIONS_DIR: ./migrations (the tests run from the repository root) or the
        // directory found from the executable; either way one holding the repository's files.
        let found = try MigrationsLocation.resolve(nil)
        #expect(MigrationsLocation.isDirectory(found))
    }

    @Test func benchRoutesSwitch() throws {
        #expect(try resolve(["THREADGATE_BENCH_ROUTES": "1"]).benchRoutes)
        #expect(try !resolve(["THREADGATE_BENCH_ROUTES": "0"]).benchRoutes)
        _ = expectError("THREADGATE_BENCH_ROUTES", ["THREADGATE_BENCH_ROUTES": "yes"])
    }
}
