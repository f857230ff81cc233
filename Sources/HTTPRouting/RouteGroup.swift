public import HTTP1

/// Routes sharing a path prefix and middleware, registered into a ``RouterBuilder``.
public struct RouteGroup: RouteRegistrar {
    private let builder: RouterBuilder
    /// The path prefix, such as `/v1`; empty for the root.
    public let prefix: String
    private let middleware: [any Middleware]

    init(builder: RouterBuilder, prefix: String, middleware: [any Middleware]) {
        self.builder = builder
        self.prefix = prefix
        self.middleware = middleware
    }

    public func add(_ method: HTTPMethod, _ path: String, _ handler: @escaping RouteHandler) {
        builder.register(method, fullPath(path), RouteAction.deferred(handler).wrapped(by: middleware))
    }

    public func addImmediate(_ method: HTTPMethod, _ path: String, _ handler: @escaping ImmediateRouteHandler) {
        builder.register(method, fullPath(path), RouteAction.immediate(handler).wrapped(by: middleware))
    }

    public func group(_ prefix: String, middleware: [any Middleware]) -> RouteGroup {
        RouteGroup(builder: builder, prefix: self.prefix + Self.validatedPrefix(prefix), middleware: self.middleware + middleware)
    }

    /// `path` under the prefix; `/` names the prefix itself.
    private func fullPath(_ path: String) -> String {
        if path == "/", !prefix.isEmpty { return prefix }
        return prefix + path
    }

    /// A prefix is empty or starts with `/` and does not end with one.
    static func validatedPrefix(_ prefix: String) -> String {
        precondition(
            prefix.isEmpty || (prefix.hasPrefix("/") && !prefix.hasSuffix("/")),
            "route group prefix must be empty or start but not end with '/': \(prefix)")
        return prefix
    }
}
