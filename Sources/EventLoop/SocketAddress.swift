internal import CUV
#if canImport(Glibc)
import Glibc
#endif

/// An IPv4 or IPv6 socket address in the form libuv takes.
public struct SocketAddress: Sendable, CustomStringConvertible {
    var storage = sockaddr_storage()

    /// Parses a numeric address, or resolves `localhost`. Other names are resolved with
    /// `getaddrinfo`, which blocks: call it at start-up, never on a loop serving traffic.
    public init(host: String, port: Int) throws(EventLoopError) {
        guard (0...65535).contains(port) else {
            throw EventLoopError(code: .invalidAddress, operation: "port \(port)")
        }
        let name = host == "localhost" ? "127.0.0.1" : host
        var v4 = sockaddr_in()
        var v6 = sockaddr_in6()
        if uv_ip4_addr(name, Int32(port), &v4) == 0 {
            withUnsafeMutableBytes(of: &storage) { dst in
                withUnsafeBytes(of: v4) { dst.copyMemory(from: $0) }
            }
        } else if uv_ip6_addr(name, Int32(port), &v6) == 0 {
            withUnsafeMutableBytes(of: &storage) { dst in
                withUnsafeBytes(of: v6) { dst.copyMemory(from: $0) }
            }
        } else {
            storage = try Self.resolve(name, port: port)
        }
    }

    init(storage: sockaddr_storage) { self.storage = storage }

    private static func resolve(_ host: String, port: Int) throws(EventLoopError) -> sockaddr_storage {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &result)
        defer { if result != nil { freeaddrinfo(result) } }
        guard status == 0, let info = result, let address = info.pointee.ai_addr else {
            throw EventLoopError(code: .invalidAddress, operation: "resolve \(host)")
        }
        var storage = sockaddr_storage()
        withUnsafeMutableBytes(of: &storage) { dst in
            dst.copyMemory(from: UnsafeRawBufferPointer(start: address, count: Int(info.pointee.ai_addrlen)))
        }
        return storage
    }

    var family: Int32 { Int32(storage.ss_family) }

    func withSockAddr<R>(_ body: (UnsafePointer<sockaddr>) -> R) -> R {
        withUnsafeBytes(of: storage) { body($0.baseAddress!.assumingMemoryBound(to: sockaddr.self)) }
    }

    /// The port number.
    public var port: Int {
        withUnsafeBytes(of: storage) { raw in
            if family == AF_INET6 {
                return Int(UInt16(bigEndian: raw.load(as: sockaddr_in6.self).sin6_port))
            }
            return Int(UInt16(bigEndian: raw.load(as: sockaddr_in.self).sin_port))
        }
    }

    /// The numeric host, such as `127.0.0.1` or `::1`.
    public var host: String {
        var buffer = [CChar](repeating: 0, count: 64)
        withUnsafeBytes(of: storage) { raw in
            if family == AF_INET6 {
                var address = raw.load(as: sockaddr_in6.self)
                _ = uv_ip6_name(&address, &buffer, buffer.count)
            } else {
                var address = raw.load(as: sockaddr_in.self)
                _ = uv_ip4_name(&address, &buffer, buffer.count)
            }
        }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public var description: String { family == AF_INET6 ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
