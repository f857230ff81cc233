#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a whole small file with POSIX calls (start-up only: it blocks).
enum FileContents {
    static let maximumBytes = 1 << 20

    static func load(_ path: String) throws(AuthError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw .configuration("AUTH_JWKS_FILE cannot be opened", detail: "\(path): errno \(errno)")
        }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .configuration("AUTH_JWKS_FILE cannot be read", detail: "\(path): errno \(errno)")
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[..<count])
            if bytes.count > maximumBytes { throw .configuration("AUTH_JWKS_FILE is larger than 1 MiB", detail: path) }
        }
    }
}
