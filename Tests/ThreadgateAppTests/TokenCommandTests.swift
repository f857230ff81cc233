import EventLoop
import Testing
@testable import ThreadgateApp

/// `threadgate token`: lifetimes, exit codes and the token on the last line (no database).
@Suite struct TokenCommandTests {
    final class Lines: Sendable {
        let lines = LockedValue([String]())
        var output: ConsoleOutput { ConsoleOutput { line in self.lines.withLock { $0.append(line) } } }
        var all: [String] { lines.withLock { $0 } }
    }

    let secret = "e2e-secret-0123456789-0123456789-abcdef"

    @Test(arguments: [("90s", 90), ("15m", 900), ("1h", 3600), ("7d", 604_800), ("120", 120), (" 2h ", 7200)])
    func lifetimesParse(_ text: String, _ seconds: Int64) throws {
        #expect(try TokenRuntime.parseTTL(text) == .seconds(seconds))
    }

    @Test(arguments: ["", "0s", "-5m", "1w", "h", "1.5h", "367d", "99999999999999999999s"])
    func badLifetimesAreRefused(_ text: String) {
        #expect(throws: ConfigurationError.self) { try TokenRuntime.parseTTL(text) }
    }

    @Test func printsTheTokenAloneOnTheLastLine() {
        let output = Lines()
        let errors = Lines()
        let code = TokenRuntime.run(
            .init(user: "alice", admin: true, ttl: "15m"), environment: ["AUTH_JWT_SECRET": secret],
            output: output.output, errors: errors.output)
        #expect(code == 0)
        let token = output.all.last ?? ""
        #expect(token.split(separator: ".", omittingEmptySubsequences: false).count == 3)
        #expect(!token.contains(" "))
        #expect(errors.all.count == 1)
    }

    @Test func secretFlagOverridesTheEnvironment() {
        let output = Lines()
        let code = TokenRuntime.run(
            .init(user: "alice", secret: secret), environment: ["AUTH_JWT_SECRET": "short"],
            output: output.output, errors: Lines().output)
        #expect(code == 0)
        #expect(output.all.count == 1)
    }

    @Test(arguments: [
        [:], ["AUTH_JWT_SECRET": "short"], ["AUTH_JWKS_URL": "https://id.example.com/jwks.json"],
    ] as [[String: String]])
    func withoutAUsableSecretItExits2(_ environment: [String: String]) {
        let output = Lines()
        let errors = Lines()
        let code = TokenRuntime.run(.init(user: "alice"), environment: environment, output: output.output, errors: errors.output)
        #expect(code == 2)
        #expect(output.all.isEmpty)
        #expect(errors.all.first?.contains("AUTH_JWT_SECRET") == true)
    }
}
