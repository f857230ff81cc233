public import EventLoop

/// What one request looked like when it finished, for the access log and metrics.
public struct HTTPAccessRecord: Sendable {
    public var method: String
    /// The path without the query.
    public var path: String
    public var status: Int
    public var durationNanos: UInt64
    public var requestID: String
    /// The route that answered (`GET /v1/threads/{thread_id}`), `refused` for requests the
    /// server rejected before routing, nil when unknown.
    public var routeTemplate: String?
    public var remoteAddress: String
    /// The server error code for refused requests; `stream_failed` for a streamed body whose
    /// producer failed after the head was sent (the connection was reset).
    public var errorCode: String?
    /// The response's ``HTTPResponse/user``: who the request acted for, when authenticated.
    public var user: String?
}

/// Everything the HTTP/1.1 server needs to run.
public struct HTTPServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Bind with `SO_REUSEPORT` so each loop has its own listener on the same port.
    public var reusePort: Bool
    public var backlog: Int32
    public var limits: HTTPLimits
    public var timeouts: HTTPTimeouts
    /// Builds the response for a request the server refuses (400, 408, 413, 414, 431, …).
    public var errorResponse: @Sendable (HTTPServerError) -> HTTPResponse
    /// Called on the loop thread after each response (and each refused request).
    public var accessLog: (@Sendable (HTTPAccessRecord) -> Void)?

    public init(
        host: String = "127.0.0.1", port: Int = 8080, reusePort: Bool = true, backlog: Int32 = 1024,
        limits: HTTPLimits = HTTPLimits(), timeouts: HTTPTimeouts = HTTPTimeouts(),
        errorResponse: @escaping @Sendable (HTTPServerError) -> HTTPResponse = HTTPServerConfiguration.plainErrorResponse,
        accessLog: (@Sendable (HTTPAccessRecord) -> Void)? = nil
    ) {
        self.host = host
        self.port = port
        self.reusePort = reusePort
        self.backlog = backlog
        self.limits = limits
        self.timeouts = timeouts
        self.errorResponse = errorResponse
        self.accessLog = accessLog
    }

    /// A minimal JSON error body in the public shape, for servers without a richer mapping.
    @Sendable
    public static func plainErrorResponse(_ error: HTTPServerError) -> HTTPResponse {
        let message = error.message.replacingJSONSpecials
        let body = #"{"error":{"message":"\#(message)","type":"invalid_request_error","param":null,"code":"\#(error.code.name)"}}"#
        return HTTPResponse(status: error.status, headers: ["Content-Type": "application/json"], bytes: Array(body.utf8))
    }
}

extension String {
    /// Escapes quotes, backslashes and control characters for a JSON string literal.
    var replacingJSONSpecials: String {
        var out = ""
        for scalar in unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += "\\u00" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}

/// An HTTP/1.1 server running on one or more event loops. Each loop accepts on its own
/// `SO_REUSEPORT` listener and serves its connections start to finish.
///
/// ```swift
/// let server = try await HTTPServer.start(configuration: config, responder: router, loops: loops)
/// // …
/// await server.shutdown(gracePeriod: .seconds(10))
/// ```
public final class HTTPServer: Sendable {
    private let loopServers: [LoopServer]
    /// The port the server listens on (the real one when 0 was configured).
    public let port: Int

    private init(loopServers: [LoopServer], port: Int) {
        self.loopServers = loopServers
        self.port = port
    }

    /// Binds a listener on each loop and starts accepting.
    public static func start(
        configuration: HTTPServerConfiguration, responder: any HTTPResponder, loops: [EventLoop]
    ) async throws -> HTTPServer {
        precondition(!loops.isEmpty, "an HTTP server needs at least one loop")
        var configuration = configuration
        if loops.count > 1 { configuration.reusePort = true }
        var servers: [LoopServer] = []
        var port = configuration.port
        do {
            for loop in loops {
                var perLoop = configuration
                perLoop.port = port
                let config = perLoop
                let server = try await loop.submit {
                    try LoopServer(loop: loop, configuration: config, responder: responder)
                }
                servers.append(server)
                port = server.port
            }
        } catch {
            for server in servers { await server.drain(gracePeriod: .zero) }
            throw error
        }
        return HTTPServer(loopServers: servers, port: port)
    }

    /// Stops accepting, lets in-flight requests finish for up to `gracePeriod`, then closes
    /// every connection. Returns when all are closed.
    public func shutdown(gracePeriod: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            for server in loopServers {
                group.addTask { await server.drain(gracePeriod: gracePeriod) }
            }
        }
    }

    /// Open connections across all loops.
    public func connectionCount() async -> Int {
        var total = 0
        for server in loopServers {
            total += (try? await server.loop.submit { server.connectionCount }) ?? 0
        }
        return total
    }
}

/// The part of the server that lives on one loop: its listener, connections and caches.
final class LoopServer: @unchecked Sendable {  // mutable state confined to `loop`'s thread
    let loop: EventLoop
    let configuration: HTTPServerConfiguration
    let responder: any HTTPResponder
    let port: Int
    var encoder = ResponseEncoder()
    private var listener: TCPListener?
    private var connections: [ObjectIdentifier: HTTPServerConnection] = [:]
    private var requestIDs = RequestIDGenerator()
    private var drained: LoopCompletion<Void>?
    private var graceTimer: LoopTimer?

    init(loop: EventLoop, configuration: HTTPServerConfiguration, responder: any HTTPResponder) throws {
        self.loop = loop
        self.configuration = configuration
        self.responder = responder
        let address = try SocketAddress(host: configuration.host, port: configuration.port)
        let listener = try TCPListener(
            loop: loop, address: address, reusePort: configuration.reusePort, backlog: configuration.backlog)
        port = listener.localAddress.port
        self.listener = listener
        try listener.listen { [unowned self] stream in accept(stream) }
    }

    var connectionCount: Int { connections.count }

    private func accept(_ stream: TCPStream) {
        let connection = HTTPServerConnection(stream: stream, server: self)
        connections[ObjectIdentifier(connection)] = connection
        connection.start()
    }

    func connectionClosed(_ connection: HTTPServerConnection) {
        connections[ObjectIdentifier(connection)] = nil
        if connections.isEmpty, let drained {
            self.drained = nil
            graceTimer?.close()
            graceTimer = nil
            drained.succeed(())
        }
    }

    func nextRequestID() -> String { requestIDs.next() }

    /// False when no access log is configured: connections then skip building records.
    var isAccessLogged: Bool { configuration.accessLog != nil }

    func logAccess(_ record: HTTPAccessRecord) { configuration.accessLog?(record) }

    /// Closes the listener, asks every connection to finish, and force-closes the rest after
    /// `gracePeriod`.
    func drain(gracePeriod: Duration) async {
        try? await withLoopCallback(on: loop) { (completion: LoopCompletion<Void>) in
            self.listener?.close()
            self.listener = nil
            for connection in Array(self.connections.values) { connection.shutdownRequested() }
            if self.connections.isEmpty {
                completion.succeed(())
                return
            }
            self.drained = completion
            let timer = LoopTimer(loop: self.loop)
            self.graceTimer = timer
            timer.start(after: gracePeriod) { [self] in
                for connection in Array(connections.values) { connection.forceClose() }
            }
        }
    }
}
