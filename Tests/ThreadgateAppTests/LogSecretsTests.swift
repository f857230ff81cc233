import Auth
import DatabaseTestSupport
import JSON
import Logging
import Testing
import TestSupport
@testable import ThreadgateApp

#if canImport(Glibc)
import Glibc
#endif

/// The JSON log at trace level under ordinary and failing traffic: request lines name the
/// user, and no line ever carries a bearer token, the upstream key, the JWT secret, the
/// metrics token or the database password.
@Suite(.enabled(if: databaseTestsEnabled), .timeLimit(.minutes(1)))
struct LogSecretsTests {
    /// A JSON log written to a temporary file by the real ``JSONLogHandler``.
    final class CapturedLog: Sendable {
        let path: String
        let output: LogOutput
        let fd: Int32

        init() throws {
            var template = Array("/tmp/threadgate-log-XXXXXX".utf8CString)
            fd = mkstemp(&template)
            guard fd >= 0 else { throw TestSetupError(description: "mkstemp failed") }
            path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            output = LogOutput(fileDescriptor: fd)
        }

        var logger: Logger {
            let output = output
            var logger = Logger(label: "threadgate") { JSONLogHandler(label: $0, level: .trace, output: output) }
            logger.logLevel = .trace
            return logger
        }

        func lines() throws -> [String] {
            guard let file = fopen(path, "r") else { throw TestSetupError(description: "cannot read \(path)") }
            defer { fclose(file) }
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = fread(&buffer, 1, buffer.count, file)
                if n <= 0 { break }
                bytes.append(contentsOf: buffer[..<n])
            }
            return String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
        }

        deinit {
            close(fd)
            unlink(path)
        }
    }

    @Test func noSecretReachesTheLogAtAnyLevel() async throws {
        let log = try CapturedLog()
        let password = "pw-\(randomName("db"))"
        let metricsToken = "metrics-\(randomName("tok"))"
        // The test cluster trusts local connections, so the password is accepted (and unused)
        // while the gateway still has to carry it in its configuration.
        try await withGatewayStack(
            environment: ["METRICS_TOKEN": metricsToken], logger: log.logger,
            databaseURL: { "\($0.url) password=\(password)" }
        ) { stack in
            let alice = try stack.token("alice")
            let admin = try stack.token("root", admin: true)
            let forged = try TokenMinterShortcut.token(secret: "another-secret-0123456789abcdefghijkl", user: "mallory")
            let anHourAgo = AuthClock { AuthClock.system.now() - 3600 }
            let expired = try TokenMinter.mintHS256(
                subject: "alice", admin: false, ttl: .seconds(60), configuration: stack.auth, clock: anHourAgo)

            let created = try await stack.object("POST", "/v1/threads", token: alice, json: ["metadata": [:]])
            let id = try #require(created["id"]?.stringValue)
            _ = try await stack.object("GET", "/v1/threads/\(id)/messages", token: alice)
            #expect(try await stack.call("GET", "/v1/threads/thr_missing", token: alice).status == 404)
            #expect(try await stack.call("GET", "/admin/v1/users", token: admin).status == 200)
            #expect(try await stack.call("GET", "/admin/v1/users", token: alice).status == 403)
            #expect(try await stack.call("GET", "/v1/threads", token: forged).status == 401)
            #expect(try await stack.call("GET", "/v1/threads", token: expired).status == 401)
            #expect(try await stack.call("GET", "/v1/threads", token: "not.a.jwt").status == 401)
            #expect(try await stack.call("GET", "/metrics", token: "wrong-\(metricsToken)").status == 401)
            #expect(try await stack.call("GET", "/metrics", token: metricsToken).status == 200)

            // Upstream failures: the simulator goes away, calls that need it fail.
            await stack.simulator.shutdown(gracePeriod: .zero)
            let failed = try await stack.call("POST", "/v1/threads", token: alice, json: ["metadata": [:]])
            #expect(failed.status >= 500)
            _ = try await stack.call("GET", "/v1/threads/\(id)/messages", token: alice)

            let lines = try log.lines()
            #expect(lines.count > 10, "the capture works")
            let secrets = [
                ("alice's token", alice), ("the admin token", admin), ("a forged token", forged), ("an expired token", expired),
                ("the upstream key", GatewayStack.upstreamKey), ("the JWT secret", GatewayStack.secret),
                ("the metrics token", metricsToken), ("the database password", password),
            ]
            for line in lines {
                for (what, secret) in secrets {
                    #expect(!line.contains(secret), "\(what) in the log: \(line)")
                }
                #expect(!line.contains("Bearer "), "an Authorization value in the log: \(line)")
            }

            // Each request line names who it acted for, errors after authentication included.
            let requests = try lines.map { try JSONValue(parsing: Array($0.utf8)) }.filter { $0["msg"] == "request" }
            let threadCreate = requests.first { $0["route"] == "POST /v1/threads" && $0["status"] == 200 }
            #expect(threadCreate?["user"] == "alice")
            let missing = requests.first { $0["route"] == "GET /v1/threads/{thread_id}" && $0["status"] == 404 }
            #expect(missing?["user"] == "alice")
            let refused = requests.first { $0["route"] == "GET /v1/threads" && $0["status"] == 401 }
            #expect(refused != nil && refused?["user"] == nil)
            #expect(requests.contains { $0["route"] == "GET /admin/v1/users" && $0["status"] == 403 })

            // One line per upstream call, with both request ids and no query.
            let upstream = try lines.map { try JSONValue(parsing: Array($0.utf8)) }.filter { $0["msg"] == "upstream" }
            #expect(!upstream.isEmpty)
            for line in upstream {
                #expect(line["request_id"] != nil && line["duration_ms"] != nil && line["target"] != nil, "\(line)")
                #expect(line["target"]?.stringValue?.contains("?") == false, "\(line)")
            }
            #expect(upstream.contains { $0["status"] == 200 && $0["upstream_request_id"] != nil })
            #expect(upstream.contains { $0["error"] != nil }, "the failed calls are logged too")
        }
    }
}
