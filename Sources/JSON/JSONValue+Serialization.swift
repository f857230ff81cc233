extension JSONValue {
    /// The compact JSON text of this value as UTF-8 bytes.
    ///
    /// Object keys keep their order; strings escape `"`, `\` and control characters (not `/`);
    /// integers print exactly; doubles print Swift's shortest round-trip form (`0.1`, `1e+100`,
    /// `2.0`); non-finite doubles print `null`.
    public func serialized() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(64)
        serialize(into: &output)
        return output
    }

    /// Appends the compact JSON text of this value to `output`.
    public func serialize(into output: inout [UInt8]) {
        switch self {
        case .null:
            output.append(contentsOf: "null".utf8)
        case .bool(let value):
            output.append(contentsOf: value ? "true".utf8 : "false".utf8)
        case .int(let value):
            JSONWriter.writeInteger(value, into: &output)
        case .double(let value):
            if value.isFinite {
                output.append(contentsOf: value.description.utf8)
            } else {
                output.append(contentsOf: "null".utf8)
            }
        case .string(let value):
            JSONWriter.writeString(value, into: &output)
        case .array(let elements):
            output.append(.openBracket)
            for (position, element) in elements.enumerated() {
                if position > 0 { output.append(.comma) }
                element.serialize(into: &output)
            }
            output.append(.closeBracket)
        case .object(let object):
            output.append(.openBrace)
            for (position, entry) in object.entries.enumerated() {
                if position > 0 { output.append(.comma) }
                JSONWriter.writeString(entry.key, into: &output)
                output.append(.colon)
                entry.value.serialize(into: &output)
            }
            output.append(.closeBrace)
        }
    }

    /// The compact JSON text of this value.
    public var jsonString: String {
        String(decoding: serialized(), as: UTF8.self)
    }
}

/// Low-level writers shared by the serializer.
enum JSONWriter {
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends the decimal digits of `value`.
    static func writeInteger(_ value: Int64, into output: inout [UInt8]) {
        if value < 0 { output.append(.minus) }
        var magnitude = value.magnitude
        let start = output.count
        repeat {
            output.append(.zero &+ UInt8(truncatingIfNeeded: magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        output[start...].reverse()
    }

    /// Appends `text` as a quoted, escaped JSON string.
    static func writeString(_ text: String, into output: inout [UInt8]) {
        output.append(.quote)
        let written: Void? = text.utf8.withContiguousStorageIfAvailable { bytes in
            writeEscaped(bytes, into: &output)
        }
        if written == nil {
            Array(text.utf8).withUnsafeBufferPointer { writeEscaped($0, into: &output) }
        }
        output.append(.quote)
    }

    private static func writeEscaped(_ bytes: UnsafeBufferPointer<UInt8>, into output: inout [UInt8]) {
        var runStart = 0
        for position in bytes.indices {
            let byte = bytes[position]
            guard byte < 0x20 || byte == .quote || byte == .backslash else { continue }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<position]))
            runStart = position + 1
            output.append(.backslash)
            switch byte {
            case .quote: output.append(.quote)
            case .backslash: output.append(.backslash)
            case .lineFeed: output.append(.letterN)
            case .carriageReturn: output.append(.letterR)
            case .tab: output.append(.letterT)
            case 0x08: output.append(.letterB)
            case 0x0C: output.append(.letterF)
            default:
                output.append(contentsOf: "u00".utf8)
                output.append(hexDigits[Int(byte >> 4)])
                output.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
    }
}
