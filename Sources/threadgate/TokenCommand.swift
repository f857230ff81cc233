import ArgumentParser
import ThreadgateApp

/// `threadgate token --user NAME [--admin] [--ttl 1h]`: a development token.
struct Token: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print an HS256 token for a user (development and tests); the token is the last line.",
        discussion: """
            Signs with AUTH_JWT_SECRET (at least 32 bytes; --secret overrides it) and adds iss/aud from \
            AUTH_ISSUER/AUTH_AUDIENCE when set, so the gateway started with the same environment accepts it. \
            With --admin the claim AUTH_ADMIN_CLAIM (default roles) is [AUTH_ADMIN_VALUE] (default admin). \
            The token alone goes to stdout; a note goes to stderr. Exits 2 when no usable secret is configured.
            """)

    @Option(help: "The token's subject: the app user's id.")
    var user: String

    @Flag(help: "Mark the user as an admin.")
    var admin = false

    @Option(help: "Lifetime: 90s, 15m, 1h, 7d or seconds (default 1h, at most 366d).")
    var ttl: String?

    @Option(help: "The HS256 secret (default: env AUTH_JWT_SECRET).")
    var secret: String?

    func run() throws {
        let code = TokenRuntime.run(
            .init(user: user, admin: admin, ttl: ttl, secret: secret), environment: ProcessEnvironment.current,
            output: .standardOutput, errors: .standardError)
        if code != 0 { throw ExitCode(code) }
    }
}
