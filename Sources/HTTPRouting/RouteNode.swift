import HTTP1

/// A registered route: what it runs and what it is called. A class so matching passes one
/// reference around.
final class Route: Sendable {
    let template: String
    let parameterNames: [String]
    let action: RouteAction

    init(template: String, parameterNames: [String], action: RouteAction) {
        self.template = template
        self.parameterNames = parameterNames
        self.action = action
    }
}

/// One node of the immutable segment trie, built once by ``RouterBuilder/build()``.
///
/// The literal children's segments sit back to back in one byte array and are scanned
/// linearly: route tables are small, and comparing a few short byte runs beats hashing and
/// costs no reference counting.
final class RouteNode: Sendable {
    /// Every literal child's segment, concatenated.
    private let literalBytes: [UInt8]
    /// Where each literal child's segment ends in ``literalBytes``.
    private let literalEnds: [Int]
    /// The literal children, parallel to ``literalEnds``.
    let literalNodes: [RouteNode]
    /// The child matching any non-empty segment.
    let parameter: RouteNode?
    /// The methods of the routes ending at this node, parallel to ``routes``.
    let methods: [HTTPMethod]
    /// The routes ending at this node.
    let routes: [Route]

    init(literals: [(segment: [UInt8], node: RouteNode)], parameter: RouteNode?, routes: [(method: HTTPMethod, route: Route)]) {
        var bytes: [UInt8] = []
        var ends: [Int] = []
        for literal in literals {
            bytes += literal.segment
            ends.append(bytes.count)
        }
        literalBytes = bytes
        literalEnds = ends
        literalNodes = literals.map(\.node)
        self.parameter = parameter
        self.methods = routes.map(\.method)
        self.routes = routes.map(\.route)
    }

    /// The index of the literal child whose segment equals `segment` (at most one does).
    func literalIndex(matching segment: UnsafeBufferPointer<UInt8>) -> Int? {
        guard !literalEnds.isEmpty else { return nil }
        return literalBytes.withUnsafeBufferPointer { bytes in
            literalEnds.withUnsafeBufferPointer { ends in
                var start = 0
                for index in ends.indices {
                    let end = ends[index]
                    if end - start == segment.count, Self.equal(bytes, from: start, segment) { return index }
                    start = end
                }
                return nil
            }
        }
    }

    private static func equal(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, _ segment: UnsafeBufferPointer<UInt8>) -> Bool {
        for offset in segment.indices where bytes[start + offset] != segment[offset] { return false }
        return true
    }

    /// The route for `method`; a HEAD request falls back to the GET route.
    func route(for method: HTTPMethod) -> Route? {
        if let index = methods.firstIndex(of: method) { return routes[index] }
        if method == .head, let index = methods.firstIndex(of: .get) { return routes[index] }
        return nil
    }

    /// The methods this node answers, HEAD added after GET when not registered itself.
    var allowedMethods: [HTTPMethod] {
        var allowed: [HTTPMethod] = []
        for method in methods {
            allowed.append(method)
            if method == .get, !methods.contains(.head) { allowed.append(.head) }
        }
        return allowed
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
