#if canImport(Glibc)
import Glibc
#endif

/// A random secret kept in a file under `.threadgate/` (mode 0600), made on the first
/// `threadgate dev` run and read back on later ones, so tokens printed by one run still work
/// after a restart.
///
/// ```swift
/// let secret = try DevSecretFile(path: root + "/.threadgate/jwt-secret").loadOrCreate()
/// ```
struct DevSecretFile: Sendable {
    /// What `loadOrCreate` found.
    struct Secret: Sendable, Equatable {
        let value: String
        /// True when this call generated it.
        let created: Bool
    }

    let path: String
    /// Random bytes in a new secret (hex-encoded, so the text is twice as long).
    var randomBytes = 32

    /// The secret in `path`, or a new random one written there first (through a temporary
    /// file and `rename`, so an interrupted run never leaves half a secret). A file readable by
    /// others is narrowed to 0600.
    /// - Throws: `DevCluster.Failure` when the file cannot be read or written, or holds fewer than
    ///   `AuthConfiguration.minimumSecretBytes` bytes (the message says to delete it).
    func loadOrCreate() throws(DevCluster.Failure) -> Secret {
        var info = stat()
        if stat(path, &info) == 0 {
            if info.st_mode & 0o077 != 0, chmod(path, 0o600) != 0 {
                throw DevCluster.Failure("cannot make \(path) private (chmod 600): \(String(cString: strerror(errno)))")
            }
            let bytes: [UInt8]
            do { bytes = try FileBytes.read(path) } catch {
                throw DevCluster.Failure("cannot read \(path): \(error)")
            }
            let value = String(decoding: bytes, as: UTF8.self).filter { !$0.isWhitespace }
            guard value.utf8.count >= 32 else {
                throw DevCluster.Failure("\(path) holds no usable secret (under 32 bytes); delete it and run again")
            }
            return Secret(value: value, created: false)
        }
        let value = Self.randomHex(bytes: randomBytes)
        try write(value + "\n")
        return Secret(value: value, created: true)
    }

    private func write(_ text: String) throws(DevCluster.Failure) {
        let temporary = path + ".tmp"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw DevCluster.Failure("cannot create \(temporary): \(String(cString: strerror(errno)))") }
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                let message = String(cString: strerror(errno))
                close(fd)
                unlink(temporary)
                throw DevCluster.Failure("cannot write \(temporary): \(message)")
            }
            offset += written
        }
        let synced = fsync(fd) == 0
        close(fd)
        guard synced, rename(temporary, path) == 0 else {
            let message = String(cString: strerror(errno))
            unlink(temporary)
            throw DevCluster.Failure("cannot write \(path): \(message)")
        }
    }

    /// `bytes` random bytes from the system generator (getrandom), as lowercase hex.
    static func randomHex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(bytes * 2)
        for _ in 0..<bytes {
            let byte = UInt8.random(in: .min ... .max, using: &generator)
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
