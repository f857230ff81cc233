import Auth
import TestSupport
import Testing
@testable import ThreadgateApp
#if canImport(Glibc)
import Glibc
#endif

/// `threadgate dev`'s pieces that need no cluster: the secret files, the options, the tokens
/// and what it prints (the whole command runs in scripts/e2e.sh).
@Suite struct DevModeTests {
    private func temporaryDirectory() throws -> String {
        var template = Array("/tmp/tg-dev-secrets-XXXXXX".utf8CString)
        guard let path = mkdtemp(&template) else { throw TestSetupError(description: "mkdtemp failed") }
        return String(cString: path)
    }

    private func mode(_ path: String) -> mode_t {
        var info = stat()
        _ = stat(path, &info)
        return info.st_mode & 0o777
    }

    @Test func aSecretIsMadeOncePrivateAndReused() throws {
        let directory = try temporaryDirectory()
        defer { removeDirectory(directory) }
        let file = DevSecretFile(path: directory + "/jwt-secret")
        let first = try file.loadOrCreate()
        #expect(first.created)
        #expect(first.value.utf8.count == 64)
        #expect(first.value.allSatisfy { $0.isHexDigit })
        #expect(mode(file.path) == 0o600)
        let second = try file.loadOrCreate()
        #expect(second == DevSecretFile.Secret(value: first.value, created: false))
        #expect(try file.loadOrCreate().value != DevSecretFile(path: directory + "/other").loadOrCreate().value)
    }

    @Test func aReadableSecretIsNarrowedAndAShortOneRefused() throws {
        let directory = try temporaryDirectory()
        defer { removeDirectory(directory) }
        let path = directory + "/key"
        let secret = String(repeating: "k", count: 40)
        var fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        _ = Array((secret + "\n").utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        fchmodat(AT_FDCWD, path, 0o644, 0)
        #expect(try DevSecretFile(path: path).loadOrCreate() == .init(value: secret, created: false))
        #expect(mode(path) == 0o600)

        fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)
        _ = Array("short\n".utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        #expect(throws: DevCluster.Failure.self) { try DevSecretFile(path: path).loadOrCreate() }
    }

    @Test func simulatorPortIsChecked() throws {
        #expect(try DevOptions.resolve(simulatorPort: nil) == DevOptions())
        #expect(try DevOptions.resolve(simulatorPort: "0") == DevOptions(simulatorPort: 0))
        #expect(throws: ConfigurationError.self) { try DevOptions.resolve(simulatorPort: "70000") }
        #expect(throws: ConfigurationError.self) { try DevOptions.resolve(simulatorPort: "http") }
    }

    @Test func tokensNeedAnHMACSecret() throws {
        #expect(try DevTokens.mint(nil) == nil)
        #expect(try DevTokens.mint(AuthConfiguration(jwksFile: "/etc/jwks.json")) == nil)
        let tokens = try #require(try DevTokens.mint(AuthConfiguration(hmacSecret: String(repeating: "s", count: 32))))
        #expect(tokens.user.split(separator: ".").count == 3)
        #expect(tokens.admin.split(separator: ".").count == 3)
        #expect(tokens.user != tokens.admin)
    }

    @Test func theBannerHasPastableExportsAndExamples() {
        let lines = DevBanner.lines(url: "http://127.0.0.1:8080", tokens: DevTokens(user: "u.u.u", admin: "a.a.a"))
        #expect(lines.contains("export URL=http://127.0.0.1:8080"))
        #expect(lines.contains("export TOKEN=u.u.u"))
        #expect(lines.contains("export ADMIN_TOKEN=a.a.a"))
        #expect(lines.contains { $0.contains("curl -s -X POST $URL/v1/ask") && $0.contains(#"{"content":"Hello!"}"#) })
        #expect(lines.contains { $0.contains(#"OpenAI(base_url="http://127.0.0.1:8080/v1""#) })
        let withoutTokens = DevBanner.lines(url: "http://127.0.0.1:8080", tokens: nil)
        #expect(!withoutTokens.contains { $0.hasPrefix("export ADMIN_TOKEN=") })
    }
}
