/// A JSON object: string keys in insertion order, each key at most once.
///
/// Lookups scan linearly while the object is small and use a hash index once it grows
/// beyond ``indexThreshold`` keys. Assigning to an existing key keeps its position;
/// assigning `nil` removes it.
///
/// Keys compare as Swift strings do (canonical equivalence), so `"é"` written precomposed
/// and decomposed name the same key.
public struct JSONObject: Sendable {
    /// The number of keys above which lookups use a hash index.
    public static let indexThreshold = 12

    /// The key/value pairs in order.
    public private(set) var entries: [(key: String, value: JSONValue)]
    /// Position of each key; nil while the object is small.
    private var positions: [String: Int]?

    /// An empty object.
    public init() {
        entries = []
        positions = nil
    }

    /// An object from pairs in order; a repeated key keeps its first position and last value.
    public init(_ pairs: some Sequence<(String, JSONValue)>) {
        self.init()
        for (key, value) in pairs { self[key] = value }
    }

    /// The keys in order.
    public var keys: [String] { entries.map(\.key) }

    /// The values in key order.
    public var values: [JSONValue] { entries.map(\.value) }

    /// The value for `key`, or nil. Setting `nil` removes the key.
    public subscript(key: String) -> JSONValue? {
        get {
            guard let position = position(of: key) else { return nil }
            return entries[position].value
        }
        set {
            if let newValue {
                updateValue(newValue, forKey: key)
            } else {
                removeValue(forKey: key)
            }
        }
    }

    /// Whether the object has `key`.
    public func contains(key: String) -> Bool { position(of: key) != nil }

    /// Sets the value for `key`, appending the key if new.
    /// - Returns: the value it replaced, if any.
    @discardableResult
    public mutating func updateValue(_ value: JSONValue, forKey key: String) -> JSONValue? {
        if let position = position(of: key) {
            let old = entries[position].value
            entries[position].value = value
            return old
        }
        entries.append((key: key, value: value))
        if positions != nil {
            positions?[key] = entries.count - 1
        } else if entries.count > Self.indexThreshold {
            rebuildPositions()
        }
        return nil
    }

    /// Removes `key` and returns its value, keeping the order of the other keys.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        guard let position = position(of: key) else { return nil }
        let old = entries.remove(at: position).value
        rebuildPositions()
        return old
    }

    /// Removes every key.
    public mutating func removeAll() {
        entries.removeAll()
        positions = nil
    }

    /// The position of `key` in ``entries``.
    public func position(of key: String) -> Int? {
        if let positions { return positions[key] }
        for position in entries.indices where entries[position].key == key {
            return position
        }
        return nil
    }

    private mutating func rebuildPositions() {
        guard entries.count > Self.indexThreshold else {
            positions = nil
            return
        }
        var index: [String: Int] = [:]
        index.reserveCapacity(entries.count)
        for (position, entry) in entries.enumerated() { index[entry.key] = position }
        positions = index
    }
}
