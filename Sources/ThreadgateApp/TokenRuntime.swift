import Auth

/// `threadgate token`: mints an HS256 development token with the gateway's own settings
/// (`AUTH_JWT_SECRET`, `AUTH_ISSUER`, `AUTH_AUDIENCE`, `AUTH_ADMIN_CLAIM`, `AUTH_ADMIN_VALUE`).
public enum TokenRuntime {
    /// What the command line asked for.
    public struct Options: Sendable {
        public var user: String
        public var admin: Bool
        /// `90s`, `15m`, `1h`, `7d` or plain seconds; nil for one hour.
        public var ttl: String?
        /// Overrides `AUTH_JWT_SECRET`.
        public var secret: String?

        public init(user: String, admin: Bool = false, ttl: String? = nil, secret: String? = nil) {
            self.user = user
            self.admin = admin
            self.ttl = ttl
            self.secret = secret
        }
    }

    /// The longest lifetime `--ttl` accepts.
    public static let maximumTTL: Duration = .seconds(366 * 86_400)

    /// Prints the token alone on its own (last) line of `output` and a short note on `errors`.
    /// Returns the exit code: 0, or 2 when the settings cannot make a token (no or short
    /// secret, bad `--ttl`, empty user), after a message on `errors`.
    public static func run(_ options: Options, environment: [String: String], output: ConsoleOutput, errors: ConsoleOutput) -> Int32 {
        do {
            let ttl = try options.ttl.map(parseTTL) ?? .seconds(3600)
            var environment = environment
            if let secret = options.secret { environment["AUTH_JWT_SECRET"] = secret }
            guard environment["AUTH_JWT_SECRET"] != nil else {
                throw ConfigurationError(setting: "AUTH_JWT_SECRET", "not set; export it (32 bytes or more) or pass --secret")
            }
            guard !options.user.isEmpty else { throw ConfigurationError(setting: "--user", "must not be empty") }
            let configuration: AuthConfiguration
            do {
                guard let resolved = try AuthConfiguration.fromEnvironment(environment) else {
                    preconditionFailure("AUTH_JWT_SECRET is set, so the configuration exists")
                }
                configuration = resolved
            } catch {
                throw ConfigurationError(setting: "authentication settings", error.message)
            }
            let token: String
            do {
                token = try TokenMinter.mintHS256(subject: options.user, admin: options.admin, ttl: ttl, configuration: configuration)
            } catch {
                throw ConfigurationError(setting: "token", error.message)
            }
            errors.line("threadgate token: HS256 token for \(options.user)\(options.admin ? " (admin)" : ""), valid for \(describe(ttl))")
            output.line(token)
            return 0
        } catch {
            errors.line("threadgate token: \(error)")
            return 2
        }
    }

    /// A lifetime such as `90s`, `15m`, `1h`, `7d`, or a whole number of seconds.
    public static func parseTTL(_ text: String) throws(ConfigurationError) -> Duration {
        let trimmed = text.trimmingCharacters(in: " ")
        let unit = trimmed.last.flatMap { $0.isNumber ? nil : $0 }
        let digits = unit == nil ? Substring(trimmed) : trimmed.dropLast()
        let multipliers: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        guard let count = Int64(digits), count > 0, let multiplier = multipliers[unit ?? "s"],
            count <= maximumTTL.components.seconds / multiplier
        else {
            throw ConfigurationError(
                setting: "--ttl", "'\(text)' is not a lifetime such as 90s, 15m, 1h or 7d (at most 366d)")
        }
        return .seconds(count * multiplier)
    }

    private static func describe(_ ttl: Duration) -> String {
        let seconds = ttl.components.seconds
        for (unit, size) in [("d", Int64(86_400)), ("h", 3600), ("m", 60)] where seconds % size == 0 {
            return "\(seconds / size)\(unit)"
        }
        return "\(seconds)s"
    }
}
