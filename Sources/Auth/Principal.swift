/// Who a verified token speaks for.
public struct Principal: Sendable, Hashable {
    /// The token's `sub`: the app user's stable id. Never empty.
    public let subject: String
    /// True when the admin claim holds the admin value.
    public let isAdmin: Bool
    /// The token's `exp` in seconds since 1970, when it has one.
    public let expiresAt: Int64?

    public init(subject: String, isAdmin: Bool, expiresAt: Int64?) {
        self.subject = subject
        self.isAdmin = isAdmin
        self.expiresAt = expiresAt
    }
}
