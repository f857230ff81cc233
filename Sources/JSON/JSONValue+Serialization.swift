extension JSONValue {
    /// The compact JSON text of this value as UTF-8 bytes.
    ///
    /// Object keys keep their order; strings escape `"`, `\` and control characters (not `/`);
    /// integers print exactly; doubles print Swift's shortest round-trip form (`0.1`, `1e+100`,
    /// `2.0`); non-finite doubles print `null`.
    public func serialized() -> [UInt8] {
        let bound = JSONWriter.sizeBound(of: self)
        return [UInt8](unsafeUninitializedCapacity: bound) { buffer, count in
            var writer = JSONWriter(buffer)
            writer.write(self)
            count = writer.count
        }
    }

    /// Appends the compact JSON text of this value to `output`.
    public func serialize(into output: inout [UInt8]) {
        output.append(contentsOf: serialized())
    }

    /// The compact JSON text of this value.
    public var jsonString: String {
        String(decoding: serialized(), as: UTF8.self)
    }
}
