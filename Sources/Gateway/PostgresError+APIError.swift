public import HTTPRouting
public import Postgres

/// The one place database errors become HTTP answers, so a route can simply `try` a query.
///
/// Anything that says "the database is busy or away" is a 503 with `Retry-After` (the client
/// may retry; nothing was done); anything else is a 500. The body is always generic: the
/// server's message, SQL state and hosts go to `debugDetail`, which only logs see.
extension PostgresError: APIErrorConvertible {
    /// Seconds a client is told to wait after a 503 caused by the database.
    static let retryAfterSeconds = 1

    public var apiError: APIError {
        switch code {
        case .poolExhausted, .connectionFailed, .closed, .timeout, .cancelled:
            APIError.serviceUnavailable(retryAfter: Self.retryAfterSeconds, debugDetail: debugDescription)
        default:
            APIError.internal(debugDetail: debugDescription)
        }
    }
}
