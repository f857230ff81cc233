#if canImport(Glibc)
import Glibc
#endif

/// A large test body whose every byte depends on its offset, cheap to produce and check even in
/// debug builds (slices and `memcmp`, no per-byte closures): it repeats 251 bytes, a prime period,
/// so chunk edges never line up with it.
public enum PatternBody {
    /// The longest slice `bytes(at:count:)` hands out.
    public static let maxSlice = 64 * 1024
    private static let period = 251
    private static let pattern: [UInt8] = (0..<(period + maxSlice)).map { UInt8(truncatingIfNeeded: ($0 % period) &* 7 &+ 3) }

    /// `count` bytes (at most `maxSlice`) of the body from `offset`.
    public static func bytes(at offset: Int, count: Int) -> [UInt8] {
        precondition(count <= maxSlice, "at most \(maxSlice) bytes at a time")
        let start = offset % period
        return Array(pattern[start..<(start + count)])
    }

    /// The offset of the first byte of `chunk` that differs from the body at `offset`, or nil.
    public static func firstMismatch(in chunk: [UInt8], at offset: Int) -> Int? {
        var position = 0
        while position < chunk.count {
            let count = min(maxSlice, chunk.count - position)
            let expected = bytes(at: offset + position, count: count)
            let same = chunk.withUnsafeBytes { actual in
                expected.withUnsafeBytes { memcmp(actual.baseAddress! + position, $0.baseAddress!, count) == 0 }
            }
            if !same {
                return (position..<(position + count)).first { chunk[$0] != expected[$0 - position] }.map { offset + $0 }
            }
            position += count
        }
        return nil
    }
}
