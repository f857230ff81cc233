/// A `uuid`: 16 bytes, written in the canonical lowercase hyphenated form.
public struct PostgresUUID: Hashable, Sendable, CustomStringConvertible {
    /// The first and last 8 bytes, big-endian.
    public let high: UInt64
    public let low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Parses `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (any case); nil for anything else.
    public init?(_ string: String) {
        guard let parsed = Array(string.utf8).withUnsafeBytes({ PostgresUUID.parse($0) }) else { return nil }
        self = parsed
    }

    /// A random (version 4) UUID.
    public static func random() -> PostgresUUID {
        var generator = SystemRandomNumberGenerator()
        let high = (generator.next() as UInt64) & ~0xF000 | 0x4000
        let low = (generator.next() as UInt64) & ~(0xC000_0000_0000_0000 as UInt64) | 0x8000_0000_0000_0000
        return PostgresUUID(high: high, low: low)
    }

    static func parse(_ bytes: UnsafeRawBufferPointer) -> PostgresUUID? {
        guard bytes.count == 36 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        var nibbles = 0
        for (index, byte) in bytes.enumerated() {
            if index == 8 || index == 13 || index == 18 || index == 23 {
                guard byte == UInt8(ascii: "-") else { return nil }
                continue
            }
            let value: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            if nibbles < 16 { high = high << 4 | UInt64(value) } else { low = low << 4 | UInt64(value) }
            nibbles += 1
        }
        return PostgresUUID(high: high, low: low)
    }

    public var description: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for nibble in 0..<32 {
            if nibble == 8 || nibble == 12 || nibble == 16 || nibble == 20 { out.append(UInt8(ascii: "-")) }
            let word = nibble < 16 ? high : low
            let shift = UInt64(60 - (nibble % 16) * 4)
            out.append(digits[Int((word >> shift) & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension PostgresUUID: PostgresCodable {
    public static var postgresDataType: PostgresDataType { .uuid }
    public var postgresText: String? { description }

    public init(postgresText bytes: UnsafeRawBufferPointer?, type: PostgresDataType) throws(PostgresError) {
        guard let bytes else { throw .unexpectedNull(PostgresUUID.self) }
        guard let value = PostgresUUID.parse(bytes) else {
            throw .decoding("'\(String(decoding: bytes, as: UTF8.self))' is not a uuid")
        }
        self = value
    }
}

/// A `jsonb` (or `json`) value as raw JSON text; this module does not parse it.
public struct PostgresJSON: Hashable, Sendable, CustomStringConvertible {
    public var text: String
    public init(_ text: String) { self.text = text }
    public init(bytes: [UInt8]) { text = String(decoding: bytes, as: UTF8.self) }
    public var bytes: [UInt8] { Array(text.utf8) }
    public var description: String { text }
}

extension PostgresJSON: PostgresCodable {
    public static var postgresDataType: PostgresDataType { .jsonb }
    public var postgresText: String? { text }

    public init(postgresText bytes: UnsafeRawBufferPointer?, type: PostgresDataType) throws(PostgresError) {
        guard let bytes else { throw .unexpectedNull(PostgresJSON.self) }
        guard [.json, .jsonb, .text, .varchar, .unspecified].contains(type) else {
            throw .decoding("column of type \(type) is not JSON")
        }
        self = PostgresJSON(String(decoding: bytes, as: UTF8.self))
    }
}
