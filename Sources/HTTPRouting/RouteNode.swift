import HTTP1

/// A matched route: what it runs and what it is called.
struct Route: Sendable {
    let template: String
    let parameterNames: [String]
    let action: RouteAction
}

/// One node of the immutable segment trie, built once by ``RouterBuilder/build()``.
///
/// Children are scanned linearly: route tables are small and a byte compare of a few short
/// literals beats hashing.
final class RouteNode: Sendable {
    /// Literal children, tried in registration order before the parameter child.
    let literals: [(segment: [UInt8], node: RouteNode)]
    /// The child matching any non-empty segment.
    let parameter: RouteNode?
    /// Routes ending at this node, by method.
    let routes: [(method: HTTPMethod, route: Route)]

    init(literals: [(segment: [UInt8], node: RouteNode)], parameter: RouteNode?, routes: [(method: HTTPMethod, route: Route)]) {
        self.literals = literals
        self.parameter = parameter
        self.routes = routes
    }

    /// The route for `method`; a HEAD request falls back to the GET route.
    func route(for method: HTTPMethod) -> Route? {
        for entry in routes where entry.method == method { return entry.route }
        if method == .head {
            for entry in routes where entry.method == .get { return entry.route }
        }
        return nil
    }

    /// The methods this node answers, HEAD added after GET when not registered itself.
    var allowedMethods: [HTTPMethod] {
        var methods: [HTTPMethod] = []
        for entry in routes {
            methods.append(entry.method)
            if entry.method == .get, !routes.contains(where: { $0.method == .head }) {
                methods.append(.head)
            }
        }
        return methods
    }
}

extension RouteNode {
    /// Builds the trie for `definitions` whose first `depth` segments are already consumed.
    static func build(_ definitions: [RouteDefinition], depth: Int = 0) -> RouteNode {
        var routes: [(method: HTTPMethod, route: Route)] = []
        var literalGroups: [(segment: [UInt8], definitions: [RouteDefinition])] = []
        var parameterGroup: [RouteDefinition] = []

        for definition in definitions {
            let segments = definition.pattern.segments
            guard depth < segments.count else {
                precondition(
                    !routes.contains { $0.method == definition.method }, "duplicate route: \(definition.template)")
                routes.append((
                    definition.method,
                    Route(template: definition.template, parameterNames: definition.pattern.parameterNames, action: definition.action)
                ))
                continue
            }
            switch segments[depth] {
            case .literal(let bytes):
                if let index = literalGroups.firstIndex(where: { $0.segment == bytes }) {
                    literalGroups[index].definitions.append(definition)
                } else {
                    literalGroups.append((bytes, [definition]))
                }
            case .parameter:
                parameterGroup.append(definition)
            }
        }

        return RouteNode(
            literals: literalGroups.map { ($0.segment, build($0.definitions, depth: depth + 1)) },
            parameter: parameterGroup.isEmpty ? nil : build(parameterGroup, depth: depth + 1),
            routes: routes)
    }
}
