internal import CUV
#if canImport(Glibc)
import Glibc
#endif

/// A listening TCP socket on one loop. With `reusePort`, several loops each bind their own
/// listener to the same port and the kernel spreads connections across them (`SO_REUSEPORT`).
public final class TCPListener: LoopHandle, @unchecked Sendable {  // confined to its loop thread
    private var onAccept: ((TCPStream) -> Void)?
    /// The bound address (with the real port when 0 was asked for).
    public private(set) var localAddress: SocketAddress

    public init(loop: EventLoop, address: SocketAddress, reusePort: Bool, backlog: Int32 = 1024) throws(EventLoopError) {
        loop.assertInLoop()
        localAddress = address
        super.init(loop: loop, type: UV_TCP)
        try uvCheck(uv_tcp_init_ex(loop.uv, tcp, UInt32(address.family)), "uv_tcp_init_ex")
        adopt()
        do {
            if reusePort { try setReusePort() }
            try uvCheck(address.withSockAddr { uv_tcp_bind(tcp, $0, 0) }, "bind \(address)")
            localAddress = try boundAddress()
            self.backlog = backlog
        } catch {
            close()
            throw error
        }
    }

    private var backlog: Int32 = 1024
    private var tcp: UnsafeMutablePointer<uv_tcp_t> { rawHandle.assumingMemoryBound(to: uv_tcp_t.self) }
    private var stream: UnsafeMutablePointer<uv_stream_t> { rawHandle.assumingMemoryBound(to: uv_stream_t.self) }

    private func setReusePort() throws(EventLoopError) {
        var fd = uv_os_fd_t()
        try uvCheck(uv_fileno(handle, &fd), "uv_fileno")
        var on: Int32 = 1
        if setsockopt(fd, SOL_SOCKET, cuv_so_reuseport, &on, socklen_t(MemoryLayout<Int32>.size)) != 0 {
            throw EventLoopError.uv(-errno, "setsockopt(SO_REUSEPORT)")
        }
    }

    private func boundAddress() throws(EventLoopError) -> SocketAddress {
        var storage = sockaddr_storage()
        var length = Int32(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutableBytes(of: &storage) { raw in
            uv_tcp_getsockname(tcp, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), &length)
        }
        try uvCheck(status, "uv_tcp_getsockname")
        return SocketAddress(storage: storage)
    }

    /// Starts accepting; `onAccept` gets each new connection, already accepted and not reading.
    public func listen(_ onAccept: @escaping (TCPStream) -> Void) throws(EventLoopError) {
        self.onAccept = onAccept
        try uvCheck(
            uv_listen(stream, backlog) { server, status in
                LoopHandle.owner(server, as: TCPListener.self).acceptOne(status)
            }, "listen \(localAddress)")
    }

    private func acceptOne(_ status: Int32) {
        guard status >= 0, let onAccept else { return }
        let client = TCPStream(loop: loop)
        if uv_accept(stream, client.stream) == 0 {
            client.configureAccepted()
            onAccept(client)
        } else {
            client.close()
        }
    }

    override func willClose() { onAccept = nil }
}
