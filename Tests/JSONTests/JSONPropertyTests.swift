import Testing
@testable import JSON

/// Random values, seeded so failures reproduce: serialize → parse must give the value back.
@Suite struct JSONPropertyTests {
    @Test(arguments: [1, 2, 3, 42, 2024, 0xDEAD_BEEF] as [UInt64])
    func serializeThenParseIsIdentity(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        for _ in 0..<200 {
            let value = Self.randomValue(depth: 0, using: &generator)
            let bytes = value.serialized()
            let parsed = try JSONValue(parsing: bytes)
            #expect(parsed == value, "seed \(seed): \(value.jsonString)")
            #expect(parsed.serialized() == bytes)
        }
    }

    @Test func randomFiniteDoublesRoundTripBitExactly() throws {
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<20_000 {
            let value = Double(bitPattern: generator.next())
            guard value.isFinite else { continue }
            let parsed = try JSONValue(parsing: JSONValue.double(value).serialized())
            #expect(parsed.doubleValue?.bitPattern == value.bitPattern, "\(value)")
        }
    }

    @Test func truncatedInputNeverCrashes() throws {
        var generator = SeededGenerator(seed: 99)
        for _ in 0..<50 {
            let bytes = Self.randomValue(depth: 0, using: &generator).serialized()
            for end in 0..<bytes.count {
                _ = try? JSONValue(parsing: bytes[..<end])
            }
        }
    }

    static func randomValue(depth: Int, using generator: inout SeededGenerator) -> JSONValue {
        let choice = Int.random(in: 0..<(depth >= 4 ? 6 : 8), using: &generator)
        switch choice {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &generator))
        case 2: return .int(randomInt(using: &generator))
        case 3: return .double(randomDouble(using: &generator))
        case 4, 5: return .string(randomString(using: &generator))
        case 6:
            let count = Int.random(in: 0..<6, using: &generator)
            return .array((0..<count).map { _ in randomValue(depth: depth + 1, using: &generator) })
        default:
            var object = JSONObject()
            for _ in 0..<Int.random(in: 0..<20, using: &generator) {
                object[randomString(using: &generator)] = randomValue(depth: depth + 1, using: &generator)
            }
            return .object(object)
        }
    }

    static func randomInt(using generator: inout SeededGenerator) -> Int64 {
        switch Int.random(in: 0..<4, using: &generator) {
        case 0: Int64.random(in: -10...10, using: &generator)
        case 1: [Int64.min, .max, 0, -1][Int.random(in: 0..<4, using: &generator)]
        default: Int64(bitPattern: generator.next())
        }
    }

    static func randomDouble(using generator: inout SeededGenerator) -> Double {
        switch Int.random(in: 0..<4, using: &generator) {
        case 0: return [0.0, -0.0, 1.0, 0.1, 1e300, .leastNonzeroMagnitude, .greatestFiniteMagnitude][Int.random(in: 0..<7, using: &generator)]
        case 1: return Double.random(in: -1000...1000, using: &generator)
        default:
            while true {
                let value = Double(bitPattern: generator.next())
                if value.isFinite { return value }
            }
        }
    }

    static func randomString(using generator: inout SeededGenerator) -> String {
        let pools: [ClosedRange<UInt32>] = [0x00...0x7F, 0x20...0x7E, 0x80...0x7FF, 0x800...0xD7FF, 0xE000...0xFFFF, 0x10000...0x10FFFF]
        var scalars = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0..<12, using: &generator) {
            let pool = pools[Int.random(in: 0..<pools.count, using: &generator)]
            if let scalar = Unicode.Scalar(UInt32.random(in: pool, using: &generator)) {
                scalars.append(scalar)
            }
        }
        return String(scalars)
    }
}
