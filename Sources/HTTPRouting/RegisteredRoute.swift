public import HTTP1

/// One route of a ``Router``, as registered: its method and its full path pattern (group
/// prefixes included), such as `GET` and `/v1/threads/{thread_id}`.
///
/// ```swift
/// let documented = router.routes.filter { !$0.pattern.hasPrefix("/_bench/") }
/// ```
public struct RegisteredRoute: Sendable, Hashable, CustomStringConvertible {
    /// The method the route was registered for (a GET route also answers HEAD; HEAD is not listed).
    public let method: HTTPMethod
    /// The path pattern with parameters as `{name}` segments.
    public let pattern: String

    public init(method: HTTPMethod, pattern: String) {
        self.method = method
        self.pattern = pattern
    }

    /// The route template used in responses, logs and metrics: `GET /v1/threads/{thread_id}`.
    public var description: String { "\(method.rawValue) \(pattern)" }
}
