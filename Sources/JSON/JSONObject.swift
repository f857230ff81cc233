/// A JSON object: string keys in insertion order, each key at most once.
///
/// Lookups scan linearly while the object is small and use a hash index once it grows
/// beyond ``indexThreshold`` keys. Assigning to an existing key keeps its position;
/// assigning `nil` removes it.
///
/// Keys compare byte for byte (as JSON's code-unit comparison does, and unlike Swift's
/// `String ==`): `"é"` written precomposed and decomposed are two different keys.
public struct JSONObject: Sendable {
    /// The number of keys above which lookups use a hash index. Upstream objects (a run has
    /// about 30 keys) stay under it: a scan of short keys costs little, and a waiting ask
    /// holds its run's object for minutes, where an index would add a kilobyte to each.
    public static let indexThreshold = 32

    /// One key/value pair. A struct rather than a tuple: arrays of tuples copy and destroy
    /// through slow generic runtime paths.
    struct Entry: Sendable {
        var key: String
        var value: JSONValue
    }

    /// The key/value pairs in order.
    private(set) var entries: [Entry]
    /// Position of each key; nil while the object is small.
    private var positions: [ExactKey: Int]?

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
        entries.append(Entry(key: key, value: value))
        if positions != nil {
            positions?[ExactKey(key)] = entries.count - 1
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
        if let positions { return positions[ExactKey(key)] }
        return ExactKey.linearSearch(key, in: entries[...])
    }

    private mutating func rebuildPositions() {
        guard entries.count > Self.indexThreshold else {
            positions = nil
            return
        }
        var index: [ExactKey: Int] = [:]
        index.reserveCapacity(entries.count)
        for (position, entry) in entries.enumerated() { index[ExactKey(entry.key)] = position }
        positions = index
    }
}

/// A string key that hashes and compares its UTF-8 bytes, not its canonical form.
struct ExactKey: Hashable, Sendable {
    let text: String

    init(_ text: String) { self.text = text }

    static func == (lhs: ExactKey, rhs: ExactKey) -> Bool {
        lhs.text.utf8.count == rhs.text.utf8.count && sameBytes(lhs.text, rhs.text)
    }

    func hash(into hasher: inout Hasher) {
        var text = text
        text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// The offset from `entries.startIndex` of the entry whose key has `key`'s bytes.
    static func linearSearch(_ key: String, in entries: ArraySlice<JSONObject.Entry>) -> Int? {
        let length = key.utf8.count
        for position in entries.indices {
            let candidate = entries[position].key
            if candidate.utf8.count == length, sameBytes(candidate, key) { return position - entries.startIndex }
        }
        return nil
    }

    /// Whether two strings have the same UTF-8 bytes.
    static func sameBytes(_ lhs: String, _ rhs: String) -> Bool {
        var lhs = lhs
        var rhs = rhs
        return lhs.withUTF8 { left in rhs.withUTF8 { right in left.elementsEqual(right) } }
    }
}
