import JSON
import TestSupport

#if canImport(Glibc)
import Glibc
#endif

/// One HTTP response as the test client read it.
struct TestResponse: Sendable {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    subscript(header name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    var text: String { String(decoding: body, as: UTF8.self) }

    /// The body parsed as JSON.
    func json() throws -> JSONValue { try JSONValue(parsing: text) }
}

struct ClientError: Error, CustomStringConvertible {
    let description: String
}

/// `GET path` on 127.0.0.1:`port` with `Connection: close`, on a thread of its own (so the
/// blocking socket never holds a cooperative thread), with 10-second socket timeouts.
func get(_ path: String, port: Int) async throws -> TestResponse {
    try await send("GET", path, port: port)
}

/// Any request on 127.0.0.1:`port` (`Connection: close`), with `headers` and a body.
func send(
    _ method: String, _ path: String, port: Int, headers: [(String, String)] = [], body: [UInt8] = []
) async throws -> TestResponse {
    try await onThread { try blockingRequest(method, path, port: port, headers: headers, body: body) }
}

private func blockingRequest(
    _ method: String, _ path: String, port: Int, headers: [(String, String)], body: [UInt8]
) throws -> TestResponse {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw ClientError(description: "socket: errno \(errno)") }
    defer { close(fd) }
    var timeout = timeval(tv_sec: 10, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr = in_addr(s_addr: inet_addr("127.0.0.1"))
    let connected = withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard connected == 0 else { throw ClientError(description: "connect to \(port): errno \(errno)") }
    var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    for (name, value) in headers { head += "\(name): \(value)\r\n" }
    if !body.isEmpty || method == "POST" { head += "Content-Length: \(body.count)\r\n" }
    let request = Array((head + "\r\n").utf8) + body
    var sent = 0
    while sent < request.count {
        let n = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard n > 0 else { throw ClientError(description: "send: errno \(errno)") }
        sent += n
    }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 16 * 1024)
    while true {
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n < 0 {
            if errno == EINTR { continue }
            throw ClientError(description: "recv: errno \(errno)")
        }
        if n == 0 { break }
        bytes += chunk[0..<n]
    }
    return try parse(bytes)
}

/// Parses a `Connection: close` response with a `Content-Length` body.
private func parse(_ bytes: [UInt8]) throws -> TestResponse {
    let separator: [UInt8] = [13, 10, 13, 10]
    guard let end = bytes.indices.first(where: { bytes[$0...].starts(with: separator) }) else {
        throw ClientError(description: "no complete response head in \(bytes.count) bytes")
    }
    let lines = String(decoding: bytes[..<end], as: UTF8.self).split(separator: "\r\n")
    guard let statusLine = lines.first, let status = statusLine.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
    else { throw ClientError(description: "bad status line") }
    var headers: [(name: String, value: String)] = []
    for line in lines.dropFirst() {
        guard let colon = line.firstIndex(of: ":") else { continue }
        headers.append((String(line[..<colon]), String(line[line.index(after: colon)...].drop { $0 == " " })))
    }
    var body = Array(bytes[(end + 4)...])
    if let length = headers.first(where: { $0.name.lowercased() == "content-length" }).flatMap({ Int($0.value) }) {
        body = Array(body.prefix(length))
    } else if headers.contains(where: { $0.name.lowercased() == "transfer-encoding" && $0.value.lowercased() == "chunked" }) {
        body = try dechunk(body)
    }
    return TestResponse(status: status, headers: headers, body: body)
}

/// The payload of a chunked body (chunk extensions and trailers ignored).
private func dechunk(_ bytes: [UInt8]) throws -> [UInt8] {
    var payload: [UInt8] = []
    var index = 0
    while true {
        guard let lineEnd = bytes[index...].firstIndex(of: 13), lineEnd + 1 < bytes.count else {
            throw ClientError(description: "truncated chunk size")
        }
        let sizeText = String(decoding: bytes[index..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
        guard let size = Int(sizeText, radix: 16) else { throw ClientError(description: "bad chunk size '\(sizeText)'") }
        index = lineEnd + 2
        if size == 0 { return payload }
        guard index + size <= bytes.count else { throw ClientError(description: "truncated chunk") }
        payload += bytes[index..<(index + size)]
        index += size + 2
    }
}
