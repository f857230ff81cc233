/// A small seedable pseudo-random generator (SplitMix64). The same seed gives the same ids
/// and the same fault decisions, so a failing run can be replayed with `--seed`.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator starting from `seed`.
    public init(seed: UInt64) { state = seed }

    /// A generator seeded from the system's random source.
    public static func fromSystem() -> SeededRandom {
        var system = SystemRandomNumberGenerator()
        return SeededRandom(seed: system.next())
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform value in `0 ..< 1`.
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }
}

/// Makes object ids the way the upstream does: a type prefix, `_`, and 24 random
/// alphanumerics (`thread_3kTmx…`).
public struct IDGenerator: Sendable {
    /// The prefixes the simulator uses, one per object type.
    public enum Kind: String, Sendable, CaseIterable {
        case assistant = "asst"
        case thread = "thread"
        case message = "msg"
        case run = "run"
        case step = "step"
        case call = "call"
        case conversation = "conv"
        case response = "resp"
        case functionCall = "fc"
        case functionCallOutput = "fco"
    }

    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)
    /// Random characters after the prefix.
    public static let randomLength = 24

    private var random: SeededRandom

    public init(seed: UInt64) { random = SeededRandom(seed: seed) }

    /// A fresh id such as `run_Q2n8…` (24 characters after the underscore).
    public mutating func make(_ kind: Kind) -> String {
        var bytes = Array(kind.rawValue.utf8)
        bytes.append(UInt8(ascii: "_"))
        for _ in 0..<Self.randomLength {
            bytes.append(Self.alphabet[Int(random.next() % UInt64(Self.alphabet.count))])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
