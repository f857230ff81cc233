import EventLoop
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Whether a sanitizer's allocator replaces glibc's (whose free pages `malloc_trim` returns).
private let underSanitizer = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "__asan_init") != nil
    || dlsym(UnsafeMutableRawPointer(bitPattern: 0), "__tsan_init") != nil

private func residentKilobytes() -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        return Int(line.split(separator: " ").dropFirst().first ?? "")
    }
    return nil
}

@Suite(.serialized)
struct ProcessHeapTests {
    @Test(.enabled(if: !underSanitizer, "a sanitizer's allocator is not glibc's"))
    func trimmingReturnsFreedPagesToTheSystem() throws {
        // Other tests share the process and its arenas and allocate meanwhile: a few attempts,
        // one of which must give back at least a quarter of the 64 MB freed.
        var drops: [Int] = []
        for _ in 0..<5 {
            let drop = try freedThenTrimmed()
            drops.append(drop)
            if drop > 16 * 1024 { break }
        }
        #expect(drops.contains { $0 > 16 * 1024 }, "RSS drops by the trims, kB: \(drops)")
    }

    /// 64 MB in small blocks (below glibc's mmap threshold, so they come from an arena), all
    /// freed but the last one, which keeps glibc from shrinking the heap top by itself; then
    /// the RSS a trim gives back, in kB.
    private func freedThenTrimmed() throws -> Int {
        let blocks = (0..<262_144).map { _ in
            let block = UnsafeMutableRawPointer.allocate(byteCount: 240, alignment: 16)
            block.initializeMemory(as: UInt8.self, repeating: 1, count: 240)
            return block
        }
        for block in blocks.dropLast() { block.deallocate() }
        defer { blocks.last?.deallocate() }
        let before = try #require(residentKilobytes())
        ProcessHeap.trim()
        let after = try #require(residentKilobytes())
        return before - after
    }
}
