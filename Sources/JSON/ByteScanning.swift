/// Word-at-a-time scanning for the bytes JSON strings treat specially.
enum ByteScanning {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// The offset of the first byte at or after `start` that is a control character, `"` or
    /// `\` — or, when `stopAtNonASCII`, any byte of 0x80 or above; `bytes.count` if none.
    ///
    /// Tests eight bytes per step with the classic SWAR tricks (Bit Twiddling Hacks
    /// `hasless`/`haszero`), then finishes byte by byte.
    static func firstSpecial(in bytes: UnsafeBufferPointer<UInt8>, from start: Int, stopAtNonASCII: Bool) -> Int {
        var position = start
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            let nonASCIIMask = stopAtNonASCII ? highBits : 0
            while position + 8 <= bytes.count {
                let word = raw.loadUnaligned(fromByteOffset: position, as: UInt64.self)
                let special = hasByteBelow(word, 0x20) | hasByte(word, .quote) | hasByte(word, .backslash)
                    | (word & nonASCIIMask)
                if special != 0 { break }
                position += 8
            }
        }
        while position < bytes.count {
            let byte = bytes[position]
            if byte < 0x20 || byte == .quote || byte == .backslash || (stopAtNonASCII && byte >= 0x80) { return position }
            position += 1
        }
        return position
    }

    /// Non-zero when some byte of `word` is below `limit` (at most 0x80).
    private static func hasByteBelow(_ word: UInt64, _ limit: UInt8) -> UInt64 {
        (word &- ones &* UInt64(limit)) & ~word & highBits
    }

    /// Non-zero when some byte of `word` equals `byte`.
    private static func hasByte(_ word: UInt64, _ byte: UInt8) -> UInt64 {
        let matched = word ^ (ones &* UInt64(byte))
        return (matched &- ones) & ~matched & highBits
    }
}
