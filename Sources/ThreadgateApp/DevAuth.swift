import Auth

/// Token verification for `threadgate dev`: an HS256 secret made once and kept in
/// `.threadgate/jwt-secret` (0600), unless the environment configures `AUTH_*` itself.
struct DevAuth: DevService {
    let secretFile: DevSecretFile

    init(directory: String) {
        secretFile = DevSecretFile(path: directory + "/.threadgate/jwt-secret")
    }

    func start(configuring configuration: inout ServeConfiguration, output: ConsoleOutput) async throws {
        if let auth = configuration.auth {
            let source = auth.hmacSecret != nil ? "AUTH_JWT_SECRET" : "AUTH_JWKS_FILE/AUTH_JWKS_URL"
            output.line("threadgate dev: tokens are checked with \(source) from the environment")
            return
        }
        let secret = try secretFile.loadOrCreate()
        configuration.auth = AuthConfiguration(hmacSecret: secret.value)
        output.line(
            "threadgate dev: \(secret.created ? "generated" : "reusing") the token secret in .threadgate/jwt-secret "
                + "(AUTH_JWT_SECRET=$(cat .threadgate/jwt-secret) threadgate token --user NAME mints more)")
    }

    func stop(output: ConsoleOutput) async {}
}

/// The two tokens `threadgate dev` prints: a user (`dev-user`) and an admin (`dev-admin`).
struct DevTokens: Sendable, Equatable {
    static let userSubject = "dev-user"
    static let adminSubject = "dev-admin"
    static let lifetime: Duration = .seconds(24 * 3600)

    let user: String
    let admin: String

    /// Mints both with `auth`'s HS256 secret; nil when it has none (tokens come from the
    /// identity provider behind `AUTH_JWKS_*`).
    static func mint(_ auth: AuthConfiguration?, clock: AuthClock = .system) throws -> DevTokens? {
        guard let auth, auth.hmacSecret != nil else { return nil }
        return DevTokens(
            user: try TokenMinter.mintHS256(subject: userSubject, admin: false, ttl: lifetime, configuration: auth, clock: clock),
            admin: try TokenMinter.mintHS256(subject: adminSubject, admin: true, ttl: lifetime, configuration: auth, clock: clock))
    }
}
