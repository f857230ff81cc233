extension JSONValue: Codable {
    /// Decodes whatever the decoder holds: an object, an array, or a scalar.
    ///
    /// Object keys come in the order the decoder reports them (Foundation's `JSONDecoder` may
    /// not keep the document's order; parse with ``init(parsing:)-(Collection<UInt8>)`` where
    /// order matters).
    public init(from decoder: any Decoder) throws {
        if let keyed = try? decoder.container(keyedBy: JSONCodingKey.self) {
            var object = JSONObject()
            for key in keyed.allKeys {
                object[key.stringValue] = try keyed.decode(JSONValue.self, forKey: key)
            }
            self = .object(object)
        } else if var unkeyed = try? decoder.unkeyedContainer() {
            var elements: [JSONValue] = []
            if let count = unkeyed.count { elements.reserveCapacity(count) }
            while !unkeyed.isAtEnd {
                elements.append(try unkeyed.decode(JSONValue.self))
            }
            self = .array(elements)
        } else {
            let single = try decoder.singleValueContainer()
            if single.decodeNil() {
                self = .null
            } else if let value = try? single.decode(Bool.self) {
                self = .bool(value)
            } else if let value = try? single.decode(Int64.self) {
                self = .int(value)
            } else if let value = try? single.decode(Double.self) {
                self = .double(value)
            } else {
                self = .string(try single.decode(String.self))
            }
        }
    }

    /// Encodes as the matching JSON construct, object keys in order.
    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .null:
            var single = encoder.singleValueContainer()
            try single.encodeNil()
        case .bool(let value):
            var single = encoder.singleValueContainer()
            try single.encode(value)
        case .int(let value):
            var single = encoder.singleValueContainer()
            try single.encode(value)
        case .double(let value):
            var single = encoder.singleValueContainer()
            try single.encode(value)
        case .string(let value):
            var single = encoder.singleValueContainer()
            try single.encode(value)
        case .array(let elements):
            var unkeyed = encoder.unkeyedContainer()
            for element in elements { try unkeyed.encode(element) }
        case .object(let object):
            var keyed = encoder.container(keyedBy: JSONCodingKey.self)
            for entry in object.entries {
                try keyed.encode(entry.value, forKey: JSONCodingKey(entry.key))
            }
        }
    }
}

extension JSONObject: Codable {
    /// Decodes a keyed container; see ``JSONValue/init(from:)`` about key order.
    public init(from decoder: any Decoder) throws {
        let keyed = try decoder.container(keyedBy: JSONCodingKey.self)
        self.init()
        for key in keyed.allKeys {
            self[key.stringValue] = try keyed.decode(JSONValue.self, forKey: key)
        }
    }

    /// Encodes the pairs in order.
    public func encode(to encoder: any Encoder) throws {
        try JSONValue.object(self).encode(to: encoder)
    }
}

/// A coding key for arbitrary object keys.
struct JSONCodingKey: CodingKey {
    let stringValue: String
    let intValue: Int?

    init(_ string: String) {
        stringValue = string
        intValue = nil
    }

    init?(stringValue: String) { self.init(stringValue) }

    init?(intValue: Int) {
        stringValue = String(intValue)
        self.intValue = intValue
    }
}
