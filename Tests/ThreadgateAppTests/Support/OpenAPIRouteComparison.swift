import HTTPRouting
import JSON

/// The differences between an OpenAPI document's operations and a router's routes, both named
/// `METHOD /pattern` (OpenAPI path templates and the router's patterns share the `{name}` syntax,
/// so a renamed parameter shows up as a difference too).
struct OpenAPIRouteComparison: Equatable {
    /// Routes the router serves that the document does not describe (internal routes excluded).
    var undocumented: [String]
    /// Operations the document describes that no route serves.
    var unrouted: [String]

    var matches: Bool { undocumented.isEmpty && unrouted.isEmpty }

    /// The operation keys of an OpenAPI 3.1 path item; its other keys (`parameters`, `summary`,
    /// `servers`, …) are not operations.
    static let operationKeys = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    init(undocumented: [String], unrouted: [String]) {
        self.undocumented = undocumented
        self.unrouted = unrouted
    }

    /// Compares `document`'s `paths` with `routes`, leaving out the routes `isInternal` accepts.
    init(document: JSONValue, routes: [RegisteredRoute], isInternal: (RegisteredRoute) -> Bool) throws {
        let documented = try Self.operations(in: document)
        let routed = routes.filter { !isInternal($0) }.map(\.description)
        let documentedSet = Set(documented)
        let routedSet = Set(routed)
        undocumented = routed.filter { !documentedSet.contains($0) }
        unrouted = documented.filter { !routedSet.contains($0) }
    }

    /// `METHOD /path` for every operation under the document's `paths`, in document order.
    static func operations(in document: JSONValue) throws -> [String] {
        guard let paths = document["paths"]?.objectValue else {
            throw DocumentError(description: "the document has no `paths` object")
        }
        var operations: [String] = []
        for (path, item) in paths {
            guard let item = item.objectValue else {
                throw DocumentError(description: "paths[\"\(path)\"] is not an object")
            }
            for key in item.keys where operationKeys.contains(key) {
                operations.append("\(key.uppercased()) \(path)")
            }
        }
        return operations
    }

    /// What to tell a developer when the two differ.
    var report: String {
        var lines = ["The OpenAPI document (openapi/openapi.json) and the router (AppRoutes.make) differ."]
        if !undocumented.isEmpty {
            lines.append(
                "Routed but not in the document — describe them in openapi/openapi.json and run "
                    + "scripts/embed-openapi.sh (or, if they are internal, add them to the internal list of "
                    + "OpenAPIDocumentTests with a comment saying why):")
            lines += undocumented.map { "  + \($0)" }
        }
        if !unrouted.isEmpty {
            lines.append("In the document but not routed — register them in AppRoutes.make, or remove them from the document:")
            lines += unrouted.map { "  - \($0)" }
        }
        return lines.joined(separator: "\n")
    }

    struct DocumentError: Error, CustomStringConvertible {
        let description: String
    }
}
