extension JSONValue {
    /// The deepest nesting of arrays and objects the parser accepts.
    public static let maximumDepth = 128

    /// Parses one JSON text (RFC 8259, strict).
    ///
    /// No comments, trailing commas, leading zeros or byte-order mark; strings must be
    /// well-formed UTF-8 and `\u` surrogates must pair. A repeated object key keeps its
    /// first position and its last value. Whitespace may surround the value.
    ///
    /// ```swift
    /// let body = try JSONValue(parsing: request.body)
    /// ```
    /// - Throws: ``JSONError`` with a stable code and the byte offset.
    public init(parsing bytes: some Collection<UInt8>) throws(JSONError) {
        let result = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(JSONError) in try JSONParser.parse(buffer) }
        }
        if let result {
            self = try result.get()
        } else {
            let array = Array(bytes)
            self = try array.withUnsafeBufferPointer { buffer in
                Result { () throws(JSONError) in try JSONParser.parse(buffer) }
            }.get()
        }
    }

    /// Parses the UTF-8 of `text` as one JSON text; see ``init(parsing:)-(Collection<UInt8>)``.
    public init(parsing text: String) throws(JSONError) {
        var text = text
        text.makeContiguousUTF8()
        try self.init(parsing: text.utf8)
    }
}
