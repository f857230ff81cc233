/// Header fields of an upstream request or response, in order; names compare
/// case-insensitively. `description` redacts credentials, so headers are safe to log.
public struct UpstreamHeaders: Sendable, Sequence, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    public private(set) var fields: [(name: String, value: String)] = []

    public init() {}
    public init(_ fields: [(String, String)]) { self.fields = fields.map { (name: $0.0, value: $0.1) } }
    public init(dictionaryLiteral elements: (String, String)...) { self.init(elements) }

    /// Appends a field, keeping earlier ones of the same name.
    public mutating func add(name: String, value: String) { fields.append((name, value)) }

    /// Replaces every field named `name` with one field.
    public mutating func replaceOrAdd(name: String, value: String) {
        remove(name: name)
        fields.append((name, value))
    }

    /// Appends ` more` to the last field's value (an obsolete folded header line).
    mutating func extendLastValue(with more: String) {
        guard !fields.isEmpty else { return }
        fields[fields.count - 1].value += " " + more
    }

    public mutating func remove(name: String) {
        fields.removeAll { Self.sameName($0.name, name) }
    }

    /// The first value of `name`.
    public subscript(name: String) -> String? {
        fields.first { Self.sameName($0.name, name) }?.value
    }

    /// Every value of `name`, in order.
    public func values(of name: String) -> [String] {
        fields.filter { Self.sameName($0.name, name) }.map(\.value)
    }

    public func contains(_ name: String) -> Bool { self[name] != nil }
    public var count: Int { fields.count }
    public var isEmpty: Bool { fields.isEmpty }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }

    /// Header names whose values never appear in descriptions or logs.
    static let sensitiveNames = ["authorization", "proxy-authorization", "api-key", "x-api-key", "cookie", "set-cookie"]

    /// True for credentials such as `Authorization`.
    public static func isSensitive(_ name: String) -> Bool {
        sensitiveNames.contains { sameName($0, name) }
    }

    /// The fields one per line, with credential values replaced by `<redacted>`.
    public var description: String {
        fields.map { "\($0.name): \(Self.isSensitive($0.name) ? "<redacted>" : $0.value)" }
            .joined(separator: "\n")
    }

    /// ASCII case-insensitive comparison, as header names need.
    static func sameName(_ a: String, _ b: String) -> Bool {
        var x = a.utf8.makeIterator()
        var y = b.utf8.makeIterator()
        while true {
            switch (x.next(), y.next()) {
            case (nil, nil): return true
            case (let l?, let r?):
                if l == r { continue }
                let ll = l | 0x20, lr = r | 0x20
                if ll != lr || ll < 0x61 || ll > 0x7a { return false }
            default: return false
            }
        }
    }
}
