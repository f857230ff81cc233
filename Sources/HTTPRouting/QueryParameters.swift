/// A parsed query string: `name=value` pairs split on `&`, in order, percent-decoded with `+`
/// as a space. `name` alone gives an empty value; empty pairs (`a=1&&b=2`) are skipped.
public struct QueryParameters: Sendable, Sequence {
    /// Name/value pairs in order, repeated names included.
    public private(set) var pairs: [(name: String, value: String)]

    /// No parameters.
    public init() { pairs = [] }

    /// Parameters from pairs in order.
    public init(_ pairs: [(name: String, value: String)]) { self.pairs = pairs }

    /// Parses the part of a request-target after `?`.
    ///
    /// ```swift
    /// let query = try QueryParameters(parsing: "limit=20&order=desc&q=a+b%21")
    /// query["q"]  // "a b!"
    /// ```
    /// - Throws: 400 `invalid_query` for a malformed `%` escape or invalid UTF-8.
    public init(parsing query: Substring) throws(APIError) {
        pairs = []
        for piece in query.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let name: String?
            let value: String?
            if let equals = piece.firstIndex(of: UInt8(ascii: "=")) {
                name = PercentDecoding.decode(piece[..<equals], plusAsSpace: true)
                value = PercentDecoding.decode(piece[piece.index(after: equals)...], plusAsSpace: true)
            } else {
                name = PercentDecoding.decode(piece, plusAsSpace: true)
                value = ""
            }
            guard let name, let value else {
                throw APIError.badRequest(
                    code: .invalidQuery, message: "The query string has an invalid percent-encoding.")
            }
            pairs.append((name: name, value: value))
        }
    }

    /// The first value of `name`, or nil.
    public subscript(name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }

    /// Every value of `name`, in order.
    public func values(for name: String) -> [String] {
        pairs.filter { $0.name == name }.map(\.value)
    }

    /// Whether `name` appears at all.
    public func contains(_ name: String) -> Bool { self[name] != nil }

    public var count: Int { pairs.count }
    public var isEmpty: Bool { pairs.isEmpty }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        pairs.makeIterator()
    }
}
