/// An HTTP method token, as sent (`GET`, `POST`, …).
public struct HTTPMethod: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let get = HTTPMethod(rawValue: "GET")
    public static let head = HTTPMethod(rawValue: "HEAD")
    public static let post = HTTPMethod(rawValue: "POST")
    public static let put = HTTPMethod(rawValue: "PUT")
    public static let patch = HTTPMethod(rawValue: "PATCH")
    public static let delete = HTTPMethod(rawValue: "DELETE")
    public static let options = HTTPMethod(rawValue: "OPTIONS")
    public var description: String { rawValue }
}

/// A response status code with its reason phrase.
public struct HTTPStatus: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public init(_ code: Int) { rawValue = code }

    public static let `continue` = HTTPStatus(100)
    public static let ok = HTTPStatus(200)
    public static let created = HTTPStatus(201)
    public static let accepted = HTTPStatus(202)
    public static let noContent = HTTPStatus(204)
    public static let badRequest = HTTPStatus(400)
    public static let unauthorized = HTTPStatus(401)
    public static let forbidden = HTTPStatus(403)
    public static let notFound = HTTPStatus(404)
    public static let methodNotAllowed = HTTPStatus(405)
    public static let requestTimeout = HTTPStatus(408)
    public static let conflict = HTTPStatus(409)
    public static let payloadTooLarge = HTTPStatus(413)
    public static let uriTooLong = HTTPStatus(414)
    public static let unsupportedMediaType = HTTPStatus(415)
    public static let expectationFailed = HTTPStatus(417)
    public static let unprocessableEntity = HTTPStatus(422)
    public static let tooManyRequests = HTTPStatus(429)
    public static let requestHeaderFieldsTooLarge = HTTPStatus(431)
    public static let internalServerError = HTTPStatus(500)
    public static let notImplemented = HTTPStatus(501)
    public static let badGateway = HTTPStatus(502)
    public static let serviceUnavailable = HTTPStatus(503)
    public static let gatewayTimeout = HTTPStatus(504)
    public static let httpVersionNotSupported = HTTPStatus(505)

    /// The standard reason phrase, or "Unknown".
    public var reasonPhrase: String {
        switch rawValue {
        case 100: "Continue"
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 204: "No Content"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 304: "Not Modified"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 410: "Gone"
        case 411: "Length Required"
        case 413: "Content Too Large"
        case 414: "URI Too Long"
        case 415: "Unsupported Media Type"
        case 417: "Expectation Failed"
        case 422: "Unprocessable Content"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        case 505: "HTTP Version Not Supported"
        default: "Unknown"
        }
    }

    /// False for 1xx, 204 and 304, which never carry a body.
    public var allowsBody: Bool { rawValue >= 200 && rawValue != 204 && rawValue != 304 }

    public var description: String { "\(rawValue) \(reasonPhrase)" }
}

/// Header fields in arrival order; names compare case-insensitively.
public struct HTTPHeaders: Sendable, Sequence, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    public private(set) var fields: [(name: String, value: String)] = []

    public init() {}
    public init(_ fields: [(String, String)]) { self.fields = fields.map { (name: $0.0, value: $0.1) } }
    public init(dictionaryLiteral elements: (String, String)...) { self.init(elements) }

    /// Appends a field, keeping any earlier one of the same name.
    public mutating func add(name: String, value: String) { fields.append((name, value)) }

    /// Replaces every field named `name` with one field.
    public mutating func replaceOrAdd(name: String, value: String) {
        remove(name: name)
        fields.append((name, value))
    }

    public mutating func remove(name: String) {
        fields.removeAll { $0.name.equalsCaseInsensitive(name) }
    }

    /// The first value of `name`.
    public subscript(name: String) -> String? {
        fields.first { $0.name.equalsCaseInsensitive(name) }?.value
    }

    /// Every value of `name`, in order.
    public func values(of name: String) -> [String] {
        fields.filter { $0.name.equalsCaseInsensitive(name) }.map(\.value)
    }

    public func contains(_ name: String) -> Bool { self[name] != nil }
    public var count: Int { fields.count }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }

    public var description: String { fields.map { "\($0.name): \($0.value)" }.joined(separator: "\n") }
}

extension String {
    /// ASCII case-insensitive comparison, as header names need.
    @inlinable
    public func equalsCaseInsensitive(_ other: String) -> Bool {
        var a = utf8.makeIterator()
        var b = other.utf8.makeIterator()
        while true {
            switch (a.next(), b.next()) {
            case (nil, nil): return true
            case (let x?, let y?):
                if x == y { continue }
                let lx = x | 0x20, ly = y | 0x20
                if lx != ly || lx < 0x61 || lx > 0x7a { return false }
            default: return false
            }
        }
    }
}

/// A complete request as the server hands it to a responder (body fully read).
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    /// The request-target as sent, such as `/v1/threads?limit=2`.
    public var target: String
    public var versionMinor: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// The client's `X-Request-Id` when it sent a usable one, else one the server made.
    public var requestID: String

    public init(
        method: HTTPMethod, target: String, versionMinor: Int = 1, headers: HTTPHeaders = [:],
        body: [UInt8] = [], requestID: String = ""
    ) {
        self.method = method
        self.target = target
        self.versionMinor = versionMinor
        self.headers = headers
        self.body = body
        self.requestID = requestID
    }

    /// The path part of the target, before any `?`, still percent-encoded.
    public var path: Substring {
        if let question = target.utf8.firstIndex(of: UInt8(ascii: "?")) { return target[..<question] }
        return target[...]
    }

    /// The query part of the target after `?`, or nil.
    public var query: Substring? {
        guard let question = target.utf8.firstIndex(of: UInt8(ascii: "?")) else { return nil }
        return target[target.utf8.index(after: question)...]
    }
}

/// Writes a streamed response body chunk by chunk. `write` suspends while the client reads
/// slower than the server writes, so memory stays bounded.
public protocol HTTPBodyWriter: Sendable {
    func write(_ bytes: [UInt8]) async throws
}

/// A response. `routeTemplate` and `user` are not sent: they name the route and the
/// authenticated user in logs and metrics.
public struct HTTPResponse: Sendable {
    public enum Body: Sendable {
        case bytes([UInt8])
        /// Sent with `Transfer-Encoding: chunked`; the closure writes the chunks and returns.
        case stream(@Sendable (any HTTPBodyWriter) async throws -> Void)
        /// The whole response comes later, from `work`, which the connection runs in a task of
        /// its own once the responder has returned: nothing of the responder's call chain stays
        /// alive while `work` waits (a waiting ask holds its connection for minutes, and a task
        /// keeps the memory of its deepest call for as long as it lives). This value's status and
        /// headers are never sent; its `user` and `routeTemplate` stand in where the later
        /// response has none. The work runs even when the client has gone (cancelled at once),
        /// so what it must undo is undone. `finishers` (added by middleware on the way out,
        /// innermost first) run on its outcome once `work` has returned, one after the other, so
        /// none of them keeps a frame during the wait; an error left after them is answered
        /// with a plain 500.
        case later(@Sendable () async throws -> HTTPResponse, finishers: [LaterFinisher])
    }

    /// Turns a later response's outcome into its final form (see ``Body/later(_:finishers:)``).
    public typealias LaterFinisher = @Sendable (Result<HTTPResponse, any Error>) async -> Result<HTTPResponse, any Error>

    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: Body
    public var routeTemplate: String?
    /// Who the request acted for (a token's subject, never the token), set by authentication.
    public var user: String?

    public init(status: HTTPStatus, headers: HTTPHeaders = [:], body: Body = .bytes([]), routeTemplate: String? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.routeTemplate = routeTemplate
    }

    public init(status: HTTPStatus, headers: HTTPHeaders = [:], bytes: [UInt8]) {
        self.init(status: status, headers: headers, body: .bytes(bytes))
    }

    /// A response that comes later, from `work` (see ``Body/later(_:finishers:)``).
    public static func later(_ work: @escaping @Sendable () async throws -> HTTPResponse) -> HTTPResponse {
        HTTPResponse(status: .accepted, body: .later(work, finishers: []))
    }

    /// Adds `finish` to a later response, to run on its outcome after the finishers added
    /// before; false (and nothing added) when this response is not a later one.
    @discardableResult
    public mutating func whenKnown(_ finish: @escaping LaterFinisher) -> Bool {
        guard case .later(let work, var finishers) = body else { return false }
        finishers.append(finish)
        body = .later(work, finishers: finishers)
        return true
    }

    /// Runs a later response's work, then its finishers in order: the response it turned out
    /// to be, or the error none of them answered.
    @inline(__always)  // one frame less in a waiting task
    public static func resolve(
        _ work: @Sendable () async throws -> HTTPResponse, finishers: [LaterFinisher]
    ) async -> Result<HTTPResponse, any Error> {
        var outcome: Result<HTTPResponse, any Error>
        do {
            outcome = .success(try await work())
        } catch {
            outcome = .failure(error)
        }
        for finish in finishers { outcome = await finish(outcome) }
        return outcome
    }
}

/// What a responder decides for a request: answer now on the loop, or run async work.
public enum HTTPDispatch: Sendable {
    /// Answered inline on the loop thread with no task: for cheap, non-blocking routes.
    case immediate(HTTPResponse)
    /// Runs in a task on the connection's loop; cancelled when the client goes away.
    case deferred(@Sendable (HTTPRequest, HTTPRequestContext) async -> HTTPResponse)
}

/// Chooses how each request is answered. Called on the loop thread for every request.
public protocol HTTPResponder: Sendable {
    func dispatch(_ request: HTTPRequest) -> HTTPDispatch
}

/// Facts about the connection a request arrived on.
public struct HTTPRequestContext: Sendable {
    /// The client's address, such as `127.0.0.1:51234`.
    public var remoteAddress: String
    /// Monotonic nanoseconds when the request's head was complete.
    public var receivedAtNanos: UInt64
    public init(remoteAddress: String, receivedAtNanos: UInt64) {
        self.remoteAddress = remoteAddress
        self.receivedAtNanos = receivedAtNanos
    }
}
