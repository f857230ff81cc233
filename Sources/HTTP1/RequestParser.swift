internal import CLLHTTP

/// Turns request bytes into `ParsedRequest`s with llhttp, enforcing `HTTPLimits`.
///
/// Feed it bytes in any split; it stops after each complete message (so pipelined requests are
/// answered one at a time) and after a head whose body is still to come (so the caller can
/// switch timers and answer `Expect: 100-continue`). Confined to one thread.
final class RequestParser {
    /// What one `feed` call ended with; `consumed` bytes of the input were used.
    enum Outcome: Equatable {
        /// Every byte was used and more are needed.
        case needMore
        /// The head is complete and a body follows. `expectsContinue`: the client waits for `100 Continue`.
        case headComplete(expectsContinue: Bool)
        /// A whole request, body included.
        case message(ParsedRequest)
        /// The request is refused; the connection must answer and close.
        case failed(HTTPServerError)
    }

    /// Where the parser is within the current message.
    enum Phase: Equatable { case idle, head, body }

    let limits: HTTPLimits
    private let parser: UnsafeMutablePointer<llhttp_t>
    private let settings: UnsafeMutablePointer<llhttp_settings_t>
    private(set) var phase: Phase = .idle

    // The message being assembled.
    private var target: [UInt8] = []
    private var fieldName: [UInt8] = []
    private var fieldValue: [UInt8] = []
    private var headers = HTTPHeaders()
    /// Trailer fields seen after a chunked body: bounded like header fields, never kept.
    private var trailerCount = 0
    private var headBytes = 0
    private var body: [UInt8] = []
    private var pendingError: HTTPServerError?
    /// Set when the head has an `Expect` field, so requests without one skip looking for it.
    private var sawExpect = false
    private var pendingOutcome: Outcome?
    private var failedForGood = false

    init(limits: HTTPLimits) {
        self.limits = limits
        parser = .allocate(capacity: 1)
        settings = .allocate(capacity: 1)
        llhttp_settings_init(settings)
        Self.install(settings)
        llhttp_init(parser, HTTP_REQUEST, settings)
        parser.pointee.data = Unmanaged.passUnretained(self).toOpaque()
    }

    deinit {
        parser.deallocate()
        settings.deallocate()
    }

    /// Parses from `bytes` until a message or a head ends, an error, or the input runs out.
    func feed(_ bytes: UnsafeRawBufferPointer) -> (consumed: Int, outcome: Outcome) {
        if failedForGood { return (0, .failed(pendingError ?? .init(.malformedRequest, "Malformed request."))) }
        guard let start = bytes.baseAddress, !bytes.isEmpty else { return (0, .needMore) }
        if phase == .idle { phase = .head }
        let base = start.assumingMemoryBound(to: CChar.self)
        let status = llhttp_execute(parser, base, bytes.count)
        switch status {
        case HPE_OK:
            return (bytes.count, .needMore)
        case HPE_PAUSED:
            let position = llhttp_get_error_pos(parser)
            let consumed = position.map { base.distance(to: $0) } ?? bytes.count
            llhttp_resume(parser)
            let outcome = pendingOutcome ?? .needMore
            pendingOutcome = nil
            return (consumed, outcome)
        default:
            failedForGood = true
            let error = pendingError ?? Self.classify(status, reason: llhttp_get_error_reason(parser))
            pendingError = error
            return (bytes.count, .failed(error))
        }
    }

    /// True when the parser saw part of a message that has not completed.
    var isMidMessage: Bool { phase != .idle }

    // MARK: Callbacks

    private static func install(_ settings: UnsafeMutablePointer<llhttp_settings_t>) {
        settings.pointee.on_message_begin = { parser in RequestParser.from(parser).messageBegan() }
        settings.pointee.on_url = { parser, at, length in RequestParser.from(parser).url(at, length) }
        settings.pointee.on_header_field = { parser, at, length in
            RequestParser.from(parser).headerField(at, length)
        }
        settings.pointee.on_header_value = { parser, at, length in
            RequestParser.from(parser).headerValue(at, length)
        }
        settings.pointee.on_header_value_complete = { parser in RequestParser.from(parser).headerComplete() }
        settings.pointee.on_headers_complete = { parser in RequestParser.from(parser).headersComplete() }
        settings.pointee.on_body = { parser, at, length in RequestParser.from(parser).bodyBytes(at, length) }
        settings.pointee.on_message_complete = { parser in RequestParser.from(parser).messageComplete() }
    }

    private static func from(_ parser: UnsafeMutablePointer<llhttp_t>?) -> RequestParser {
        Unmanaged<RequestParser>.fromOpaque(parser!.pointee.data!).takeUnretainedValue()
    }

    private func fail(_ code: HTTPServerError.Code, _ message: String) -> Int32 {
        pendingError = HTTPServerError(code, message)
        return -1
    }

    private func messageBegan() -> Int32 {
        sawExpect = false
        target.removeAll(keepingCapacity: true)
        headers = HTTPHeaders()
        trailerCount = 0
        headBytes = 0
        body = []
        phase = .head
        return 0
    }

    private func url(_ at: UnsafePointer<CChar>?, _ length: Int) -> Int32 {
        headBytes += length
        if target.count + length > limits.maxRequestTargetBytes {
            return fail(.requestTargetTooLong, "The request target is longer than \(limits.maxRequestTargetBytes) bytes.")
        }
        let bytes = UnsafeRawBufferPointer(start: at, count: length)
        // llhttp lets bytes ≥ 0x80 through; a request-target is ASCII (RFC 3986 §2), so refuse them
        // rather than hand routes a target silently re-decoded with replacement characters.
        if bytes.contains(where: { $0 >= 0x80 }) {
            return fail(.malformedRequest, "The request target must be ASCII; percent-encode other bytes.")
        }
        target.append(contentsOf: bytes)
        return 0
    }

    private func headerField(_ at: UnsafePointer<CChar>?, _ length: Int) -> Int32 {
        headBytes += length
        if headBytes > limits.maxHeaderBytes {
            return fail(.headersTooLarge, "The request headers are larger than \(limits.maxHeaderBytes) bytes.")
        }
        fieldName.append(contentsOf: UnsafeRawBufferPointer(start: at, count: length))
        return 0
    }

    private func headerValue(_ at: UnsafePointer<CChar>?, _ length: Int) -> Int32 {
        headBytes += length
        if headBytes > limits.maxHeaderBytes {
            return fail(.headersTooLarge, "The request headers are larger than \(limits.maxHeaderBytes) bytes.")
        }
        fieldValue.append(contentsOf: UnsafeRawBufferPointer(start: at, count: length))
        return 0
    }

    private func headerComplete() -> Int32 {
        defer {
            fieldName.removeAll(keepingCapacity: true)
            fieldValue.removeAll(keepingCapacity: true)
        }
        if headers.count + trailerCount >= limits.maxHeaderCount {
            return fail(.headersTooLarge, "The request has more than \(limits.maxHeaderCount) header fields.")
        }
        // llhttp 8 lets spaces into field names ("Host : a"); RFC 9112 §5.1 requires a 400.
        let tokenBytes = Self.isTokenByte
        if fieldName.isEmpty || !fieldName.allSatisfy({ tokenBytes[Int($0)] }) {
            return fail(.malformedRequest, "Invalid header field name.")
        }
        // A trailer field is never merged into the header section (RFC 9110 §6.5.1).
        if phase == .body {
            trailerCount += 1
            return 0
        }
        if Self.equalsLowercased(fieldName, Self.expectName) { sawExpect = true }
        headers.add(name: String(decoding: fieldName, as: UTF8.self), value: String(decoding: fieldValue, as: UTF8.self))
        return 0
    }

    private static let expectName = Array("expect".utf8)

    /// ASCII case-insensitive comparison of a field name with a lowercase name.
    private static func equalsLowercased(_ bytes: [UInt8], _ lowercase: [UInt8]) -> Bool {
        guard bytes.count == lowercase.count else { return false }
        for index in 0..<bytes.count where bytes[index] | 0x20 != lowercase[index] {
            return false
        }
        return true
    }

    /// RFC 9110 `tchar`: the bytes a field name may contain.
    static let isTokenByte: [Bool] = (0..<256).map { byte in
        switch UInt8(byte) {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "A")...UInt8(ascii: "Z"):
            return true
        default:
            return Array("!#$%&'*+-.^_`|~".utf8).contains(UInt8(byte))
        }
    }

    private func headersComplete() -> Int32 {
        let p = parser.pointee
        if p.http_major != 1 {
            return fail(.versionNotSupported, "Only HTTP/1.0 and HTTP/1.1 are supported.")
        }
        let flags = UInt32(p.flags)
        let chunked = flags & F_CHUNKED.rawValue != 0
        // Only requests that sent the field pay for looking at it (llhttp flags Transfer-Encoding).
        let codings = flags & F_TRANSFER_ENCODING.rawValue != 0 ? headers.values(of: "transfer-encoding") : []
        if !codings.isEmpty {
            if p.http_minor == 0 {
                return fail(.malformedRequest, "Transfer-Encoding is not allowed in an HTTP/1.0 request.")
            }
            let names = codings.flatMap { $0.split(separator: ",") }
                .map { $0.trimmingSpaces.lowercased() }
            if names.contains(where: { $0 != "chunked" }) {
                return fail(.unsupportedTransferEncoding, "Only the chunked transfer coding is supported.")
            }
            if names.count > 1 {
                return fail(.malformedRequest, "The chunked transfer coding may be applied only once.")
            }
        }
        let expectations = sawExpect ? headers.values(of: "expect") : []
        var expectsContinue = false
        for value in expectations {
            guard value.trimmingSpaces.lowercased() == "100-continue" else {
                return fail(.expectationFailed, "Only the 100-continue expectation is supported.")
            }
            expectsContinue = true
        }
        let declaredLength = flags & F_CONTENT_LENGTH.rawValue != 0 ? p.content_length : 0
        if declaredLength > UInt64(limits.maxBodyBytes) {
            return fail(.bodyTooLarge, "The request body is larger than \(limits.maxBodyBytes) bytes.")
        }
        guard chunked || declaredLength > 0 else { return 0 }
        body.reserveCapacity(Int(declaredLength))
        phase = .body
        pendingOutcome = .headComplete(expectsContinue: expectsContinue && p.http_minor >= 1)
        return Int32(HPE_PAUSED.rawValue)
    }

    private func bodyBytes(_ at: UnsafePointer<CChar>?, _ length: Int) -> Int32 {
        if body.count + length > limits.maxBodyBytes {
            return fail(.bodyTooLarge, "The request body is larger than \(limits.maxBodyBytes) bytes.")
        }
        body.append(contentsOf: UnsafeRawBufferPointer(start: at, count: length))
        return 0
    }

    private func messageComplete() -> Int32 {
        let p = parser.pointee
        let request = ParsedRequest(
            method: Self.methodName(p.method),
            target: String(decoding: target, as: UTF8.self),
            versionMinor: Int(p.http_minor),
            headers: headers,
            body: body,
            keepAlive: llhttp_should_keep_alive(parser) != 0
        )
        headers = HTTPHeaders()
        body = []
        phase = .idle
        pendingOutcome = .message(request)
        return Int32(HPE_PAUSED.rawValue)
    }

    private static let commonMethods: [UInt8: HTTPMethod] = [
        UInt8(HTTP_GET.rawValue): .get, UInt8(HTTP_POST.rawValue): .post, UInt8(HTTP_PUT.rawValue): .put,
        UInt8(HTTP_DELETE.rawValue): .delete, UInt8(HTTP_HEAD.rawValue): .head,
        UInt8(HTTP_PATCH.rawValue): .patch, UInt8(HTTP_OPTIONS.rawValue): .options,
    ]

    private static func methodName(_ method: UInt8) -> HTTPMethod {
        if let known = commonMethods[method] { return known }
        return HTTPMethod(rawValue: String(cString: llhttp_method_name(llhttp_method_t(UInt32(method)))))
    }

    private static func classify(_ status: llhttp_errno_t, reason: UnsafePointer<CChar>?) -> HTTPServerError {
        let detail = reason.map { String(cString: $0) } ?? "malformed request"
        switch status {
        case HPE_INVALID_TRANSFER_ENCODING:
            return HTTPServerError(.malformedRequest, "Invalid Transfer-Encoding: \(detail).")
        default:
            return HTTPServerError(.malformedRequest, "Malformed request: \(detail).")
        }
    }
}

/// A complete request as parsed, before the server assigns its request id.
struct ParsedRequest: Equatable {
    var method: HTTPMethod
    var target: String
    var versionMinor: Int
    var headers: HTTPHeaders
    var body: [UInt8]
    var keepAlive: Bool

    static func == (a: ParsedRequest, b: ParsedRequest) -> Bool {
        a.method == b.method && a.target == b.target && a.versionMinor == b.versionMinor
            && a.body == b.body && a.keepAlive == b.keepAlive
            && a.headers.fields.map(\.name) == b.headers.fields.map(\.name)
            && a.headers.fields.map(\.value) == b.headers.fields.map(\.value)
    }
}

extension StringProtocol {
    /// The string without leading and trailing spaces and tabs.
    var trimmingSpaces: Substring {
        let s = self[...]
        guard let first = s.firstIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        let last = s.lastIndex(where: { $0 != " " && $0 != "\t" })!
        return Substring(s[first...last])
    }
}
