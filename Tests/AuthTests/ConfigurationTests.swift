import Testing
@testable import Auth

@Suite struct ConfigurationTests {
    @Test func noKeySourceGivesNil() throws {
        #expect(try AuthConfiguration.fromEnvironment([:]) == nil)
        #expect(try AuthConfiguration.fromEnvironment(["AUTH_ISSUER": "x", "AUTH_AUDIENCE": "y"]) == nil)
    }

    @Test func fullEnvironmentIsRead() throws {
        let configuration = try #require(
            try AuthConfiguration.fromEnvironment([
                "AUTH_JWT_SECRET": testSecret, "AUTH_JWKS_FILE": "/etc/jwks.json",
                "AUTH_JWKS_URL": "https://id.example.com/.well-known/jwks.json", "AUTH_ISSUER": "https://id.example.com",
                "AUTH_AUDIENCE": "threadgate", "AUTH_ADMIN_CLAIM": "groups", "AUTH_ADMIN_VALUE": "ops",
                "AUTH_LEEWAY_SECONDS": "5",
            ]))
        #expect(configuration.hmacSecret == testSecret)
        #expect(configuration.jwksFile == "/etc/jwks.json")
        #expect(configuration.jwksURL == "https://id.example.com/.well-known/jwks.json")
        #expect(configuration.issuer == "https://id.example.com")
        #expect(configuration.audience == "threadgate")
        #expect(configuration.adminClaim == "groups")
        #expect(configuration.adminValue == "ops")
        #expect(configuration.leeway == .seconds(5))
    }

    @Test func defaults() throws {
        let configuration = try #require(try AuthConfiguration.fromEnvironment(["AUTH_JWT_SECRET": testSecret]))
        #expect(configuration.adminClaim == "roles")
        #expect(configuration.adminValue == "admin")
        #expect(configuration.leeway == .seconds(30))
        #expect(configuration.issuer == nil && configuration.audience == nil)
        #expect(configuration.jwksRefreshInterval == .seconds(30))
    }

    @Test(arguments: [
        ["AUTH_JWT_SECRET": "too-short"],
        ["AUTH_JWT_SECRET": ""],
        ["AUTH_JWKS_FILE": ""],
        ["AUTH_JWKS_URL": ""],
        ["AUTH_JWKS_URL": "ftp://id.example.com/jwks"],
        ["AUTH_JWT_SECRET": testSecret, "AUTH_LEEWAY_SECONDS": "-1"],
        ["AUTH_JWT_SECRET": testSecret, "AUTH_LEEWAY_SECONDS": "ten"],
        ["AUTH_JWT_SECRET": testSecret, "AUTH_LEEWAY_SECONDS": "4000"],
        ["AUTH_JWT_SECRET": testSecret, "AUTH_ISSUER": ""],
        ["AUTH_JWT_SECRET": testSecret, "AUTH_ADMIN_CLAIM": ""],
    ])
    func invalidValuesAreConfigurationErrors(_ environment: [String: String]) {
        #expect {
            try AuthConfiguration.fromEnvironment(environment)
        } throws: { error in
            (error as? AuthError)?.kind == .configuration
        }
    }

    @Test func shortSecretMessageSaysWhatIsNeeded() {
        do {
            _ = try AuthConfiguration.fromEnvironment(["AUTH_JWT_SECRET": "short"])
            Issue.record("a 5-byte secret was accepted")
        } catch {
            #expect(error.message.contains("AUTH_JWT_SECRET"))
            #expect(error.message.contains("at least 32"))
            #expect(!error.message.contains("short"))
        }
    }
}
