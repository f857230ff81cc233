import HTTP1

/// A route's path pattern split into segments, validated at registration.
struct RoutePattern: Sendable {
    enum Segment: Sendable, Equatable {
        /// Matched byte for byte against the still-encoded request segment.
        case literal([UInt8])
        /// Matches any non-empty segment.
        case parameter(String)
    }

    let text: String
    let segments: [Segment]

    /// The parameter names in order.
    var parameterNames: [String] {
        segments.compactMap { segment in
            switch segment {
            case .literal: nil
            case .parameter(let name): name
            }
        }
    }

    /// Parses `text`; a malformed pattern is a bug in the route table and stops the program.
    init(_ text: String) {
        precondition(text.hasPrefix("/"), "route pattern must start with '/': \(text)")
        self.text = text
        guard text != "/" else {
            segments = []
            return
        }
        var names: Set<String> = []
        segments = text.utf8.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map { bytes in
            precondition(!bytes.isEmpty, "route pattern has an empty segment: \(text)")
            if bytes.first == UInt8(ascii: "{") {
                precondition(bytes.last == UInt8(ascii: "}") && bytes.count > 2, "malformed parameter in route pattern: \(text)")
                let name = String(Substring(bytes.dropFirst().dropLast()))
                precondition(
                    name.utf8.allSatisfy { Self.isNameByte($0) }, "parameter names are [A-Za-z0-9_]: \(text)")
                precondition(names.insert(name).inserted, "parameter '\(name)' repeats in route pattern: \(text)")
                return .parameter(name)
            }
            precondition(
                !bytes.contains { Self.forbiddenLiteralBytes.contains($0) },
                "route pattern segment has a reserved character: \(text)")
            return .literal(Array(bytes))
        }
    }

    private static let forbiddenLiteralBytes: Set<UInt8> = Set("{}?# ".utf8)

    private static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
            true
        default:
            false
        }
    }
}

/// One registered route, before the trie is built.
struct RouteDefinition: Sendable {
    let method: HTTPMethod
    let pattern: RoutePattern
    let action: RouteAction

    /// The route's name in logs and metrics, such as `GET /v1/threads/{thread_id}`.
    var template: String { "\(method.rawValue) \(pattern.text)" }
}
