/// A validated request, ready to be put on an easy handle for each attempt.
struct PreparedRequest: Sendable {
    let method: UpstreamMethod
    let url: String
    /// `Name: value` lines, including the ones the client adds.
    let headerLines: [String]
    let body: [UInt8]
    let timeouts: UpstreamTimeouts
    let isHTTPS: Bool
    let requestID: String?
    /// Method and URL without query, for logs.
    let target: String

    init(_ request: UpstreamRequest, configuration: UpstreamHTTPConfiguration) throws(UpstreamHTTPError) {
        target = request.logTarget
        let lower = request.url.prefix(8).lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else {
            throw UpstreamHTTPError(.invalidRequest, target: target, detail: "URL must be http or https")
        }
        guard Self.isToken(request.method.rawValue) else {
            throw UpstreamHTTPError(.invalidRequest, target: target, detail: "invalid method")
        }
        var headers = request.headers
        if let requestID = request.requestID, !requestID.isEmpty {
            headers.replaceOrAdd(name: "X-Request-Id", value: requestID)
        }
        if let key = request.idempotencyKey, !key.isEmpty { headers.replaceOrAdd(name: "Idempotency-Key", value: key) }
        if let agent = configuration.userAgent, !headers.contains("User-Agent") {
            headers.add(name: "User-Agent", value: agent)
        }
        var lines: [String] = []
        lines.reserveCapacity(headers.count + 2)
        for (name, value) in headers {
            guard Self.isToken(name), Self.isFieldValue(value) else {
                throw UpstreamHTTPError(.invalidRequest, target: target, detail: "invalid header field \(name.prefix(64))")
            }
            // "Name:" alone would tell libcurl to drop the header; "Name;" sends it empty.
            lines.append(value.isEmpty ? "\(name);" : "\(name): \(value)")
        }
        lines.append("Expect:")  // no 100-continue round trip for larger bodies
        if Self.sendsBody(request), !headers.contains("Content-Type") {
            lines.append("Content-Type:")  // not libcurl's form-urlencoded default
        }
        method = request.method
        url = request.url
        headerLines = lines
        body = request.body
        timeouts = request.timeouts ?? configuration.timeouts
        isHTTPS = lower.hasPrefix("https://")
        requestID = headers["X-Request-Id"]
    }

    /// True when the request carries a body (POST, PUT and PATCH always do, maybe empty).
    static func sendsBody(_ request: UpstreamRequest) -> Bool {
        !request.body.isEmpty || request.method == .post || request.method == .put || request.method == .patch
    }

    var sendsBody: Bool { !body.isEmpty || method == .post || method == .put || method == .patch }

    /// RFC 9110 token characters.
    static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"):
                true
            default:
                "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
        }
    }

    /// No CR, LF or other control characters (header injection).
    static func isFieldValue(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }
    }
}
