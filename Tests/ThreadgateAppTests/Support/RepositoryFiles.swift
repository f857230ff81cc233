#if canImport(Glibc)
import Glibc
#endif

/// The repository's root directory, found from this file's path.
let repositoryRoot: String = {
    var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(4)  // Tests/ThreadgateAppTests/Support/RepositoryFiles.swift
    return parts.joined(separator: "/")
}()

struct RepositoryFileError: Error, CustomStringConvertible {
    let description: String
}

/// The bytes of `path`, relative to the repository root.
func repositoryFile(_ path: String) throws -> [UInt8] {
    let fullPath = repositoryRoot + "/" + path
    guard let file = fopen(fullPath, "rb") else {
        throw RepositoryFileError(description: "cannot open \(fullPath): errno \(errno)")
    }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
        let count = fread(&buffer, 1, buffer.count, file)
        if count > 0 { bytes += buffer[..<count] }
        if count < buffer.count {
            guard ferror(file) == 0 else { throw RepositoryFileError(description: "cannot read \(fullPath)") }
            return bytes
        }
    }
}
