/// Size limits enforced on each request before any route runs.
public struct HTTPLimits: Sendable, Hashable {
    /// Longest request-target (path and query) accepted; longer → 414.
    public var maxRequestTargetBytes: Int
    /// Largest request head (request line and all header fields); larger → 431.
    public var maxHeaderBytes: Int
    /// Most header fields accepted; more → 431.
    public var maxHeaderCount: Int
    /// Largest request body; larger → 413 (checked before reading it when the length is declared).
    public var maxBodyBytes: Int

    public init(
        maxRequestTargetBytes: Int = 8 * 1024, maxHeaderBytes: Int = 32 * 1024,
        maxHeaderCount: Int = 100, maxBodyBytes: Int = 1024 * 1024
    ) {
        self.maxRequestTargetBytes = maxRequestTargetBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
    }
}

/// How long a client may take at each stage of a connection.
public struct HTTPTimeouts: Sendable, Hashable {
    /// From a request's first byte until its head is complete (slowloris guard); → 408.
    public var header: Duration
    /// From the end of the head until the whole body arrived; → 408.
    public var body: Duration
    /// How long a kept-alive connection may sit idle between requests; then closed quietly.
    public var idle: Duration
    /// How long a closing connection may take to flush its last response before it is reset.
    public var linger: Duration

    public init(
        header: Duration = .seconds(10), body: Duration = .seconds(30), idle: Duration = .seconds(60),
        linger: Duration = .seconds(5)
    ) {
        self.header = header
        self.body = body
        self.idle = idle
        self.linger = linger
    }
}
