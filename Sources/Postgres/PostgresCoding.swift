/// A Swift value that can be a query parameter.
public protocol PostgresEncodable: Sendable {
    /// The type the parameter is sent as (also for NULLs of this Swift type).
    static var postgresDataType: PostgresDataType { get }
    /// The value in PostgreSQL text format; nil means NULL.
    var postgresText: String? { get }
}

extension PostgresEncodable {
    /// The parameter as sent.
    public var postgresValue: PostgresValue {
        PostgresValue(type: Self.postgresDataType, text: postgresText)
    }
}

/// A Swift value that can be read from a result column (text format).
public protocol PostgresDecodable {
    /// Decodes `bytes` (nil for NULL) of a column of type `type`. Throws `PostgresError`
    /// with code `.decoding` when the value does not fit.
    init(postgresText bytes: UnsafeRawBufferPointer?, type: PostgresDataType) throws(PostgresError)
}

/// Both directions.
public typealias PostgresCodable = PostgresEncodable & PostgresDecodable

extension PostgresError {
    static func decoding(_ message: String) -> PostgresError {
        PostgresError(.decoding, message: message)
    }

    static func unexpectedNull(_ swiftType: Any.Type) -> PostgresError {
        .decoding("NULL cannot be decoded as \(swiftType); use Optional")
    }
}

// MARK: Optional

extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    public static var postgresDataType: PostgresDataType { Wrapped.postgresDataType }
    public var postgresText: String? { self?.postgresText }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    public init(postgresText bytes: UnsafeRawBufferPointer?, type: PostgresDataType) throws(PostgresError) {
        guard let bytes else {
            self = .none
            return
        }
        self = .some(try Wrapped(postgresText: bytes, type: type))
    }
}

// MARK: String

extension String: PostgresCodable {
    public static var postgresDataType: PostgresDataType { .text }
    public var postgresText: String? { self }

    /// Any non-NULL column decodes as its text form.
    public init(postgresText bytes: UnsafeRawBufferPointer?, type: PostgresDataType) throws(PostgresError) {
        guard let bytes else { throw .unexpectedNull(String.self) }
        self = String(decoding: bytes, as: UTF8.self)
    }
}

// MARK: Integers

/// Parses an optionally signed ASCII decimal integer, checking for overflow.
func parseInteger<T: FixedWidthInteger>(_ bytes: UnsafeRawBufferPointer, as: T.Type) -> T? {
    var index = 0
    var negative = false
    if let first = bytes.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
        negative = first == UInt8(ascii: "-")
        index = 1
    }
    guard index < bytes.count else { return nil }
    var value: T = 0
    while index < bytes.count {
        let byte = bytes[index]
        guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
        let digit = T(byte - UInt8(ascii: "0"))
        let (times10, o1) = value.multipliedReportingOverflow(by: 10)
        let (next, o2) = negative ? times10.subtractingReportingOverflow(digit) : times10.addingReportingOverflow(digit)
        guard !o1, !o2 else { return nil }
        value = next
        index += 1
    }
    return value
}

private func decodeInteger<T: FixedWidthInteger>(_ bytes: UnsafeRawBufferPointer?, _ type: PostgresDataType) throws(PostgresError) -> T {
    guard let bytes else { throw .unexpectedNull(T.self) }
    guard [.int2, .int4, .int8, .oid, .text, .varchar, .unspecified].contains(type) else {
        throw .decoding("column of type \(type) cannot be decoded as \(T.self)")
    }
    guard let value = parseInteger(bytes, as: T.self) else {
        throw .decoding("'\(String(decoding: bytes, as: UTF8.self))' is not a \(T.self)")
    }
    return value
}

extension Int: PostgresCodable {
    public static var postgresDataType: PostgresDataType { .int8 }
    public var postgresText: String? { String(self) }
    public init(postgresText bytes: UnsafeRawBufferPointer?, type: PostgresDataType) throws(PostgresError) {
        self = try decodeInteger(bytes, type)
    }
}

extension Int64: PostgresCodable {
    public static var postgresDataType: PostgresDataType { .int8 }
    public var postgresText: String? { String(self) }
    public init(postgresText bytes: UnsafeRawBufferPointer?, type: PostgresDataType) throws(PostgresError) {
        self = try decodeInteger(bytes, type)
    }
}

extension Int32: PostgresCodable {
    public static var postgresDataType: PostgresDataType { .int4 }
    public var postgresText: String? { String(self) }
    public init(postgresText bytes: UnsafeRawBufferPointer?, type: PostgresDataType) throws(PostgresError) {
        self = try decodeInteger(bytes, type)
    }
}

extension Int16: PostgresCodable {
    public static var postgresDataType: PostgresDataType { .int2 }
    public var postgresText: String? { String(self) }
    public init(postgresText bytes: UnsafeRawBufferPointer?, type: PostgresDataType) throws(PostgresError) {
        self = try decodeInteger(bytes, type)
    }
}

// MARK: Bool and Double

extension Bool: PostgresCodable {
    public static var postgresDataType: PostgresDataType { .bool }
    public var postgresText: String? { self ? "t" : "f" }
    public init(postgresText bytes: UnsafeRawBufferPointer?, type: PostgresDataType) throws(PostgresError) {
        guard let bytes else { throw .unexpectedNull(Bool.self) }
        switch (bytes.count, bytes.first) {
        case (1, UInt8(ascii: "t")): self = true
        case (1, UInt8(ascii: "f")): self = false
        default: throw .decoding("'\(String(decoding: bytes, as: UTF8.self))' is not a bool")
        }
    }
}

extension Double: PostgresCodable {
    public static var postgresDataType: PostgresDataType { .float8 }
    public var postgresText: String? {
        if isNaN { return "NaN" }
        if isInfinite { return self < 0 ? "-Infinity" : "Infinity" }
        return String(self)  // shortest round-trip form
    }
    public init(postgresText bytes: UnsafeRawBufferPointer?, type: PostgresDataType) throws(PostgresError) {
        guard let bytes else { throw .unexpectedNull(Double.self) }
        let text = String(decoding: bytes, as: UTF8.self)
        switch text {
        case "NaN": self = .nan
        case "Infinity": self = .infinity
        case "-Infinity": self = -.infinity
        default:
            guard let value = Double(text) else { throw .decoding("'\(text)' is not a double") }
            self = value
        }
    }
}

// MARK: bytea

extension Array: PostgresEncodable where Element == UInt8 {
    public static var postgresDataType: PostgresDataType { .bytea }
    public var postgresText: String? {
        let digits = Array<UInt8>("0123456789abcdef".utf8)
        var out: [UInt8] = [UInt8(ascii: "\\"), UInt8(ascii: "x")]
        out.reserveCapacity(2 + count * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension Array: PostgresDecodable where Element == UInt8 {
    /// Decodes bytea's hex output format (`\x0a1b…`).
    public init(postgresText bytes: UnsafeRawBufferPointer?, type: PostgresDataType) throws(PostgresError) {
        guard let bytes else { throw .unexpectedNull([UInt8].self) }
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "\\"), bytes[1] == UInt8(ascii: "x"), bytes.count % 2 == 0 else {
            throw .decoding("bytea value is not in hex format")
        }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count - 2) / 2)
        var index = 2
        while index < bytes.count {
            guard let high = nibble(bytes[index]), let low = nibble(bytes[index + 1]) else {
                throw .decoding("bytea value has a bad hex digit")
            }
            out.append(high << 4 | low)
            index += 2
        }
        self = out
    }
}
