import JSON
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Why a request failed at the socket level (reset, timeout, end of file mid-response).
struct SimClientError: Error, CustomStringConvertible {
    let description: String
    /// Whatever arrived before the failure.
    var partial: [UInt8] = []
}

/// One response as read off the wire.
struct SimResponse: Sendable, CustomStringConvertible {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: [UInt8]
    /// Milliseconds from sending the request to the end of the response.
    var millis: Int64 = 0

    subscript(name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    var text: String { String(decoding: body, as: UTF8.self) }
    var json: JSONValue { (try? JSONValue(parsing: body)) ?? .null }
    var error: JSONValue? { json["error"] }

    /// The server-sent events of a streamed body, as (event, data) pairs.
    var events: [(name: String, data: String)] {
        text.split(separator: "\n\n", omittingEmptySubsequences: true).compactMap { block in
            var name: String?
            var data: String?
            for line in block.split(separator: "\n") {
                if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
            }
            guard let name, let data else { return nil }
            return (name, data)
        }
    }

    var description: String { "\(status) \(text.prefix(300))" }
}

/// A minimal blocking HTTP/1.1 client: one request per connection (`Connection: close`),
/// `Content-Length` or chunked bodies, receive timeout so no test hangs. Call it from
/// `onThread`, never from the cooperative pool.
enum SimClient {
    static func send(
        port: Int, method: String, target: String, body: [UInt8]? = nil, headers: [(String, String)] = [],
        timeout: Duration = .seconds(10)
    ) throws -> SimResponse {
        let started = monotonicMillis()
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SimClientError(description: "socket: errno \(errno)") }
        defer { close(fd) }
        let (seconds, attoseconds) = timeout.components
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr = in_addr(s_addr: inet_addr("127.0.0.1"))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw SimClientError(description: "connect: errno \(errno)") }

        var head = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if let body { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        head += "\r\n"
        var request = Array(head.utf8)
        if let body { request += body }
        try sendAll(fd, request)

        var reader = Reader(fd: fd)
        var response = try reader.readResponse()
        response.millis = monotonicMillis() - started
        return response
    }

    private static func sendAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 {
                if errno == EINTR { continue }
                throw SimClientError(description: "send: errno \(errno)")
            }
            offset += sent
        }
    }

    /// Buffered reads with the response framing rules.
    private struct Reader {
        let fd: Int32
        var buffer: [UInt8] = []
        var index = 0

        init(fd: Int32) { self.fd = fd }

        mutating func fill() throws -> Bool {
            var chunk = [UInt8](repeating: 0, count: 16 * 1024)
            while true {
                let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count > 0 {
                    buffer += chunk[..<count]
                    return true
                }
                if count == 0 { return false }
                if errno == EINTR { continue }
                let reason = errno == ECONNRESET ? "connection reset" : (errno == EAGAIN ? "timed out" : "recv errno \(errno)")
                throw SimClientError(description: reason, partial: buffer)
            }
        }

        mutating func line() throws -> String {
            while true {
                if let newline = buffer[index...].firstIndex(of: 0x0A) {
                    var end = newline
                    if end > index, buffer[end - 1] == 0x0D { end -= 1 }
                    let text = String(decoding: buffer[index..<end], as: UTF8.self)
                    index = newline + 1
                    return text
                }
                guard try fill() else { throw SimClientError(description: "end of file in a line", partial: buffer) }
            }
        }

        mutating func bytes(_ count: Int) throws -> [UInt8] {
            while buffer.count - index < count {
                guard try fill() else { throw SimClientError(description: "end of file in a body", partial: buffer) }
            }
            defer { index += count }
            return Array(buffer[index..<(index + count)])
        }

        mutating func readResponse() throws -> SimResponse {
            let status = try line().split(separator: " ")
            guard status.count >= 2, let code = Int(status[1]) else { throw SimClientError(description: "bad status line") }
            var response = SimResponse(status: code, headers: [], body: [])
            while true {
                let header = try line()
                if header.isEmpty { break }
                guard let colon = header.firstIndex(of: ":") else { continue }
                let value = header[header.index(after: colon)...].drop { $0 == " " }
                response.headers.append((String(header[..<colon]), String(value)))
            }
            if response["transfer-encoding"]?.lowercased() == "chunked" {
                while true {
                    guard let size = Int(try line(), radix: 16) else { throw SimClientError(description: "bad chunk size") }
                    if size == 0 {
                        _ = try line()
                        break
                    }
                    response.body += try bytes(size)
                    _ = try line()
                }
            } else if let length = response["content-length"].flatMap({ Int($0) }) {
                response.body = try bytes(length)
            }
            return response
        }
    }
}
