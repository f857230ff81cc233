/// The values of a route's `{name}` segments, percent-decoded.
///
/// A value may contain any character, `/` included (from `%2F`): re-encode it before putting
/// it into another URL.
public struct PathParameters: Sendable, Sequence, ExpressibleByDictionaryLiteral {
    /// Name/value pairs in the order the route pattern names them.
    public private(set) var pairs: [(name: String, value: String)]

    /// No parameters.
    public init() { pairs = [] }

    /// Parameters from pairs in order.
    public init(_ pairs: [(name: String, value: String)]) { self.pairs = pairs }

    public init(dictionaryLiteral elements: (String, String)...) {
        pairs = elements.map { (name: $0.0, value: $0.1) }
    }

    /// The value of parameter `name`, or nil if the route has no such parameter.
    public subscript(name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }

    public var count: Int { pairs.count }
    public var isEmpty: Bool { pairs.isEmpty }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        pairs.makeIterator()
    }
}
