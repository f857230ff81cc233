#if canImport(Glibc)
import Glibc
#endif

/// A listening socket that never accepts, with its accept queue already full, so a further
/// connect attempt hangs in SYN-SENT: the way to make a connect time out on loopback.
final class RawListener: @unchecked Sendable {  // immutable after init
    let fd: Int32
    let port: Int
    private var fillers: [Int32] = []

    init(backlog: Int32) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                precondition(bind(fd, raw, length) == 0, "bind failed")
                precondition(listen(fd, backlog) == 0, "listen failed")
                precondition(getsockname(fd, raw, &length) == 0, "getsockname failed")
            }
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// Opens `count` connections that are never accepted, filling the accept queue.
    func fillAcceptQueue(count: Int) {
        for _ in 0..<count {
            let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            _ = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(client, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            fillers.append(client)
        }
    }

    /// True once the accept queue holds more connections than the backlog: the kernel then
    /// drops a further SYN. (A listener's `TCP_INFO` gives the queue's length in `tcpi_unacked`
    /// and the backlog in `tcpi_sacked`.)
    var acceptQueueIsFull: Bool {
        var info = tcp_info()
        var length = socklen_t(MemoryLayout<tcp_info>.size)
        guard getsockopt(fd, Int32(IPPROTO_TCP), TCP_INFO, &info, &length) == 0 else { return false }
        return info.tcpi_unacked > info.tcpi_sacked
    }

    func close() {
        for filler in fillers { _ = Glibc.close(filler) }
        _ = Glibc.close(fd)
    }
}
