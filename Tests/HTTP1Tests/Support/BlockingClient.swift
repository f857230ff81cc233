#if canImport(Glibc)
import Glibc
#endif

/// Why a client call failed.
struct ClientError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// One response as the client read it.
struct ClientResponse: Sendable, CustomStringConvertible {
    var version: String
    var status: Int
    var reason: String
    var headers: [(name: String, value: String)]
    var body: [UInt8]
    /// True when the body came with `Transfer-Encoding: chunked`.
    var wasChunked = false

    subscript(name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    func values(_ name: String) -> [String] {
        headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }

    var text: String { String(decoding: body, as: UTF8.self) }
    var closes: Bool { self["connection"]?.lowercased() == "close" }
    var description: String { "\(version) \(status) \(reason) \(headers.map { "\($0.name)=\($0.value)" }) \(body.count)B" }
}

/// A small blocking HTTP/1.1 client over a POSIX socket, with receive and send timeouts so
/// no test waits forever. Used by one thread at a time.
final class BlockingClient: @unchecked Sendable {  // used by one thread at a time
    private var fd: Int32
    private var buffer: [UInt8] = []
    private var readIndex = 0

    /// Connects to 127.0.0.1:`port`. `receiveBufferSize` shrinks SO_RCVBUF (set before connecting).
    init(port: Int, timeout: Duration = .seconds(5), receiveBufferSize: Int32? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClientError("socket: errno \(errno)") }
        let (seconds, attoseconds) = timeout.components
        var tv = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        if var size = receiveBufferSize {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        let status = Self.connect(fd, port: port)
        if status != 0 {
            _ = Glibc.close(fd)
            fd = -1
            throw ClientError("connect to \(port): errno \(status)")
        }
    }

    deinit { close() }

    /// 0 when a connection to `port` succeeds (it is closed at once), else the errno.
    static func connectErrno(port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { _ = Glibc.close(fd) }
        return connect(fd, port: port)
    }

    private static func connect(_ fd: Int32, port: Int) -> Int32 {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr = in_addr(s_addr: inet_addr("127.0.0.1"))
        let status = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return status == 0 ? 0 : errno
    }

    func close() {
        guard fd >= 0 else { return }
        _ = Glibc.close(fd)
        fd = -1
    }

    /// Half-closes: the server reads end of file.
    func shutdownWriting() { _ = Glibc.shutdown(fd, Int32(SHUT_WR)) }

    // MARK: Sending

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { raw in
                Glibc.send(fd, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 {
                if errno == EINTR { continue }
                throw ClientError("send: errno \(errno)")
            }
            offset += sent
        }
    }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    // MARK: Receiving

    private var available: Int { buffer.count - readIndex }

    /// Reads more bytes into the buffer; false at end of file. Throws on timeout or reset.
    @discardableResult
    private func fill(max: Int = 64 * 1024) throws -> Bool {
        if readIndex > 0 && readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        } else if readIndex > 1 << 20 {
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
        var chunk = [UInt8](repeating: 0, count: max)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                buffer.append(contentsOf: chunk[..<count])
                return true
            }
            if count == 0 { return false }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: throw ClientError("timed out waiting for data")
            case ECONNRESET: throw ClientError("connection reset")
            default: throw ClientError("recv: errno \(errno)")
            }
        }
    }

    /// One CRLF-terminated line, without the CRLF.
    func readLine() throws -> String {
        while true {
            if let cr = buffer[readIndex...].firstIndex(of: 0x0A), cr > readIndex, buffer[cr - 1] == 0x0D {
                let line = String(decoding: buffer[readIndex..<(cr - 1)], as: UTF8.self)
                readIndex = cr + 1
                return line
            }
            guard try fill() else { throw ClientError("end of file in a line") }
        }
    }

    func readBytes(_ count: Int) throws -> [UInt8] {
        while available < count {
            guard try fill() else { throw ClientError("end of file after \(available) of \(count) bytes") }
        }
        let bytes = Array(buffer[readIndex..<(readIndex + count)])
        readIndex += count
        return bytes
    }

    /// Reads one response. `isHead`: the request was HEAD, so no body follows.
    func readResponse(isHead: Bool = false) throws -> ClientResponse {
        let statusLine = try readLine()
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw ClientError("bad status line: \(statusLine)")
        }
        var response = ClientResponse(
            version: String(parts[0]), status: status, reason: parts.count > 2 ? String(parts[2]) : "",
            headers: [], body: [])
        while true {
            let line = try readLine()
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else { throw ClientError("bad header line: \(line)") }
            var value = line[line.index(after: colon)...]
            while value.first == " " { value = value.dropFirst() }
            response.headers.append((String(line[..<colon]), String(value)))
        }
        if isHead || status < 200 || status == 204 || status == 304 { return response }
        if response["transfer-encoding"]?.lowercased() == "chunked" {
            response.wasChunked = true
            while true {
                let sizeLine = try readLine()
                let hex = sizeLine.split(separator: ";").first.map(String.init) ?? ""
                guard let size = Int(hex.trimmingCharacters(), radix: 16) else {
                    throw ClientError("bad chunk size: \(sizeLine)")
                }
                if size == 0 {
                    while try !readLine().isEmpty {}
                    break
                }
                response.body += try readBytes(size)
                guard try readLine().isEmpty else { throw ClientError("chunk not followed by CRLF") }
            }
        } else if let length = response["content-length"].flatMap({ Int($0) }) {
            response.body = try readBytes(length)
        } else {
            response.body = try readUntilClosed().bytes
        }
        return response
    }

    /// Everything until the server closes. `reset` tells whether it ended with a reset.
    func readUntilClosed() throws -> (bytes: [UInt8], reset: Bool) {
        do {
            while try fill() {}
        } catch let error as ClientError where error.description == "connection reset" {
            let rest = Array(buffer[readIndex...])
            readIndex = buffer.count
            return (rest, true)
        }
        let rest = Array(buffer[readIndex...])
        readIndex = buffer.count
        return (rest, false)
    }

    /// Reads up to `max` bytes with one receive call (for slow readers); empty at end of file.
    func readSome(max: Int) throws -> [UInt8] {
        if available == 0 {
            guard try fill(max: max) else { return [] }
        }
        let count = min(max, available)
        let bytes = Array(buffer[readIndex..<(readIndex + count)])
        readIndex += count
        return bytes
    }

    /// Sends `request` and reads its response.
    func exchange(_ request: String, isHead: Bool = false) throws -> ClientResponse {
        try send(request)
        return try readResponse(isHead: isHead)
    }
}

extension String {
    fileprivate func trimmingCharacters() -> String {
        String(unicodeScalars.filter { $0 != " " && $0 != "\t" })
    }
}

/// A GET request with the given extra header lines.
func getRequest(_ target: String, _ headers: [String] = [], version: String = "HTTP/1.1") -> String {
    "GET \(target) \(version)\r\nHost: test\r\n" + headers.map { $0 + "\r\n" }.joined() + "\r\n"
}

/// A POST request with a Content-Length body.
func postRequest(_ target: String, body: String, _ headers: [String] = []) -> String {
    "POST \(target) HTTP/1.1\r\nHost: test\r\nContent-Length: \(body.utf8.count)\r\n"
        + headers.map { $0 + "\r\n" }.joined() + "\r\n" + body
}
