import HTTP1
import HTTPRouting
import JSON
@testable import Postgres
import Testing
@testable import ThreadgateApp

/// The readiness body and the database error mapping, without a database.
@Suite struct ReadinessReportTests {
    @Test func readyBodyIsExactlyTheDocumentedOne() {
        let report = ReadinessReport(database: .ok, migrations: .ok, upstream: .ok)
        #expect(report.isReady)
        #expect(
            report.json.jsonString
                == #"{"status":"ready","checks":{"database":{"status":"ok"},"migrations":{"status":"ok"},"upstream":{"status":"ok"}}}"#)
        #expect(report.response.status == .ok)
        #expect(report.response.headers["cache-control"] == "no-store")
    }

    @Test func notReadyNamesEachCheckAndWhy() {
        let report = ReadinessReport(
            database: .init(status: .unavailable, message: "Cannot connect to the database."),
            migrations: .init(status: .unknown, message: "Not checked because the database is unavailable."),
            detail: "connection to server at \"10.0.0.5\" failed")
        #expect(!report.isReady)
        #expect(report.response.status == .serviceUnavailable)
        #expect(report.json["status"] == "not_ready")
        #expect(report.json["checks"]?["database"]?["status"] == "unavailable")
        #expect(!report.json.jsonString.contains("10.0.0.5"), "the log-only detail never reaches the body")
    }

    @Test func migrationsCheckListsPendingAndEditedFiles() {
        let one = Migration(version: 1, name: "initial", sql: "SELECT 1")
        let two = Migration(version: 2, name: "more", sql: "SELECT 2")
        let at = PostgresTimestamp(secondsSinceEpoch: 0)
        #expect(Readiness.migrationsCheck([.init(migration: one, state: .applied(at: at))]) == .ok)

        let pending = Readiness.migrationsCheck([
            .init(migration: one, state: .applied(at: at)), .init(migration: two, state: .pending),
        ])
        #expect(pending.status == .pending)
        #expect(pending.message?.contains("0002_more") == true)
        #expect(pending.message?.contains("threadgate migrate") == true)

        let edited = Readiness.migrationsCheck([
            .init(migration: one, state: .edited(appliedChecksum: "0")), .init(migration: two, state: .pending),
        ])
        #expect(edited.status == .edited)
        #expect(edited.message?.contains("0001_initial") == true)
    }

    @Test func databaseFailuresReadAsPlainWords() {
        #expect(Readiness.reason(PostgresError(.connectionFailed, message: "host db.internal")) == "Cannot connect to the database.")
        #expect(Readiness.reason(PostgresError(.poolExhausted)) == "Every database connection is busy.")
        #expect(Readiness.reason(PostgresError(.queryFailed, message: "SELECT 1", sqlState: "42601")) == "The database refused the check query.")
    }

    @Test(arguments: [PostgresError.Code.poolExhausted, .connectionFailed, .closed, .timeout, .cancelled])
    func unavailableDatabaseIs503WithRetryAfter(_ code: PostgresError.Code) {
        let error = PostgresError(code, message: "connection to server at \"db.internal\" failed", sqlState: nil)
        let api = error.apiError
        #expect(api.status == .serviceUnavailable)
        #expect(api.headers["retry-after"] == "1")
        #expect(api.code == .serviceUnavailable)
        let body = api.response()
        guard case .bytes(let bytes) = body.body else {
            Issue.record("expected a byte body")
            return
        }
        #expect(!String(decoding: bytes, as: UTF8.self).contains("db.internal"))
        #expect(api.debugDetail?.contains("db.internal") == true)
    }

    @Test func otherDatabaseErrorsAre500WithoutDetail() {
        let error = PostgresError(.queryFailed, message: "relation \"users\" does not exist", sqlState: "42P01")
        let api = error.apiError
        #expect(api.status == .internalServerError)
        #expect(!api.message.contains("users"))
        #expect(api.debugDetail?.contains("42P01") == true)
    }

    @Test func theRouterAppliesTheMapping() async throws {
        let routes = RouterBuilder()
        routes.get("/busy") { _ in throw PostgresError(.poolExhausted, message: "no connection free within 5 s") }
        let response = await routes.build().respond(
            to: HTTPRequest(method: .get, target: "/busy"),
            context: HTTPRequestContext(remoteAddress: "127.0.0.1:1", receivedAtNanos: 0))
        #expect(response.status == .serviceUnavailable)
        #expect(response.headers["retry-after"] == "1")
    }
}
