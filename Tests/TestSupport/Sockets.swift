#if canImport(Glibc)
import Glibc
#endif

/// A loopback port nothing listens on (bound, then closed): connections are refused.
public func closedPort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
            precondition(bind(fd, raw, length) == 0, "bind failed")
            precondition(getsockname(fd, raw, &length) == 0, "getsockname failed")
        }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// A loopback TCP listener that never accepts: connections complete in the kernel and hang,
/// like a server that swallows every packet after the handshake.
public struct SilentListener: Sendable {
    public let fd: Int32
    public let port: Int

    public init() {
        let sock = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                precondition(bind(sock, raw, length) == 0, "bind failed: errno \(errno)")
                precondition(listen(sock, 16) == 0, "listen failed: errno \(errno)")
                precondition(getsockname(sock, raw, &length) == 0, "getsockname failed")
            }
        }
        fd = sock
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    public func close() { _ = Glibc.close(fd) }
}
