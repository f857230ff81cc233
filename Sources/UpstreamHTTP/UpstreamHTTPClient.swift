public import EventLoop

/// An HTTP client for the upstream API on libcurl's multi-socket interface, driven by one
/// event loop: connections are reused (and HTTP/2-multiplexed over TLS), TLS is verified,
/// proxies come from the environment, and safe requests are retried by a `RetryPolicy`.
///
/// Create one per loop. Call it from any task; it does its work on its loop.
///
/// ```swift
/// let client = UpstreamHTTPClient(loop: loop)
/// let response = try await client.execute(UpstreamRequest(url: "https://api.example.com/v1/models"))
/// print(response.status, response.attempts, response.upstreamRequestID ?? "-")
/// await client.shutdown()
/// ```
public final class UpstreamHTTPClient: Sendable {
    public let loop: EventLoop
    public let configuration: UpstreamHTTPConfiguration
    let multi: CurlMulti

    /// A client whose transfers run on `loop`. Traps when libcurl cannot be initialized.
    public init(loop: EventLoop, configuration: UpstreamHTTPConfiguration = UpstreamHTTPConfiguration()) {
        guard let multi = CurlMulti(loop: loop, configuration: configuration) else {
            preconditionFailure("libcurl initialization failed")
        }
        self.loop = loop
        self.configuration = configuration
        self.multi = multi
    }

    /// Sends `request` (again, when its retry policy allows) and returns the whole response.
    /// Statuses are not errors: a 404 or a final 503 is returned like a 200.
    ///
    /// - Throws: `UpstreamHTTPError` when no response arrived (connection, TLS, timeouts, body
    ///   too large) and, with code `cancelled`, when the calling task is cancelled.
    public func execute(_ request: UpstreamRequest) async throws(UpstreamHTTPError) -> UpstreamResponse {
        let (result, attempts) = try await perform(request, streaming: false)
        switch result {
        case .complete(let head, let body):
            return UpstreamResponse(
                status: head.status, headers: head.headers, body: body, attempts: attempts, httpVersion: head.httpVersion)
        case .streaming:
            preconditionFailure("a collected transfer produced a stream")
        }
    }

    /// Sends `request` and returns once the response head arrived; the body follows
    /// incrementally through `body`. Retries happen only before a body is handed out.
    public func stream(_ request: UpstreamRequest) async throws(UpstreamHTTPError) -> UpstreamStreamingResponse {
        let (result, attempts) = try await perform(request, streaming: true)
        switch result {
        case .complete(let head, let body):
            let channel = BodyChannel(multi: multi, complete: body)
            return UpstreamStreamingResponse(head: head, attempts: attempts, body: UpstreamBody(channel: channel))
        case .streaming(let head, let channel):
            return UpstreamStreamingResponse(head: head, attempts: attempts, body: UpstreamBody(channel: channel))
        }
    }

    /// libcurl's version line, such as `libcurl/7.88.1 OpenSSL/3.0.19 … nghttp2/1.52.0`, for start-up logs.
    public static var libraryVersion: String { Curl.version }

    /// Aborts transfers in flight (they fail with `shutdown`), closes connections and frees
    /// libcurl's handles. The loop's shutdown does the same for clients not shut down.
    public func shutdown() async {
        try? await loop.submit { self.multi.shutdown() }
    }
}
