@testable import HTTP1
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Inputs the fuzzer (scripts/fuzz.sh) found, kept as regression tests, plus the seed corpus.
@Suite struct FuzzRegressionTests {
    /// crash-40b27d2e…: a request-target of non-UTF-8 bytes under the tight limits (found when
    /// such targets were still accepted and decoded with U+FFFD replacements).
    static let nonUTF8Target: [UInt8] = [
        0xcf, 0x47, 0x45, 0x54, 0x20, 0x20, 0x2f, 0xa8, 0xa8, 0xa8, 0xa8, 0xa8, 0xa8, 0xa8, 0x40, 0xa8, 0xa8, 0x58,
        0x57, 0x57, 0x57, 0x57, 0xa8, 0xa8, 0xa8, 0xa8, 0xa8, 0xa8, 0xa8, 0xa8, 0xa8, 0xa8, 0xa8, 0x25, 0xa8, 0xa8,
        0xa8, 0xa8, 0xa8, 0xa8, 0x3f, 0xa8, 0xa8, 0xa8, 0xa8, 0xa8, 0x20, 0x48, 0x54, 0x54, 0x50, 0x2f, 0x31, 0x2e,
        0x30, 0x0d, 0x0a, 0x0a, 0x0d, 0x54, 0x0a, 0x20, 0x20, 0x0d, 0x31, 0x20, 0x65, 0x0e, 0x00,
    ]

    @Test func nonUTF8TargetRunsThroughTheRequestPath() {
        Self.nonUTF8Target.withUnsafeBytes { HTTPRequestFuzzing._fuzzOneInput($0) }
    }

    /// A target is ASCII: non-ASCII bytes are refused with 400 in every split, and a target
    /// over the limit still gets 414 first when the long part arrives before any such byte.
    @Test func nonASCIITargetIsRefusedInEverySplit() {
        let limits = HTTPLimits(maxRequestTargetBytes: 64, maxHeaderBytes: 512, maxHeaderCount: 8, maxBodyBytes: 256)
        let request = Array(http: "GET /") + [UInt8](repeating: 0xA8, count: 40) + Array(http: " HTTP/1.1\r\n\r\n")
        for (label, pieces) in splits(of: request) {
            let events = replay(pieces, limits: limits)
            #expect(events.last?.failure?.code == .malformedRequest, "\(label): \(events)")
            #expect(events.allSatisfy { $0.request == nil }, "\(label)")
        }
        let tooLong = Array(http: "GET /") + [UInt8](repeating: 0x61, count: 64) + [0xA8] + Array(http: " HTTP/1.1\r\n\r\n")
        #expect(replay([tooLong], limits: limits).last?.failure?.code == .requestTargetTooLong)
    }

    @Test func seedCorpusRunsThroughTheRequestPath() throws {
        let directory = #filePath.split(separator: "/").dropLast(3).joined(separator: "/")
        let corpus = "/" + directory + "/fuzz/corpus"
        guard let dir = opendir(corpus) else {
            Issue.record("no seed corpus at \(corpus)")
            return
        }
        defer { closedir(dir) }
        var seeds = 0
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard !name.hasPrefix(".") else { continue }
            guard let file = fopen(corpus + "/" + name, "rb") else { continue }
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = fread(&buffer, 1, buffer.count, file)
                if count <= 0 { break }
                bytes += buffer[..<count]
            }
            fclose(file)
            // Every control byte: all split points and both limit sets.
            for control in 0...255 {
                ([UInt8(control)] + bytes.dropFirst()).withUnsafeBytes { HTTPRequestFuzzing._fuzzOneInput($0) }
            }
            seeds += 1
        }
        #expect(seeds >= 10)
    }

    @Test func splitPointsCoverTheInput() {
        let input = [UInt8](repeating: 0x41, count: 30)
        input.withUnsafeBytes { raw in
            for control in 0...255 {
                let pieces = HTTPRequestFuzzing.pieces(of: raw, control: UInt8(control))
                #expect(pieces.count == (control & 0x40 != 0 ? 3 : 2))
                #expect(pieces.map(\.count).reduce(0, +) == 30)
            }
        }
    }
}
