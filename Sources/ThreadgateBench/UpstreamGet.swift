import ArgumentParser
import EventLoop
import UpstreamHTTP

/// `threadgate-bench upstream-get`: N concurrent loops of `UpstreamHTTPClient.execute(GET)`
/// on one event loop for S seconds; prints throughput, latency, errors and the client's CPU
/// time per request.
struct UpstreamGet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upstream-get",
        abstract: "GET one URL in a loop through the libcurl upstream client on one event loop.",
        discussion: """
            Runs --concurrency tasks on one event loop, each sending the next GET as soon as the \
            previous answered, first for --warmup seconds (not counted), then for --duration \
            seconds. Prints requests, req/s, p50/p99 latency, errors (non-2xx answers and \
            failures; no retries are made) and CPU µs per request: this process's user+sys CPU \
            time (getrusage) across the measured run divided by the requests completed. The last \
            line, starting with RESULT, is for scripts.
            """)

    @Option(help: "The URL to GET (http or https).")
    var url: String

    @Option(help: "Concurrent request loops, 1–4096.")
    var concurrency: Int = 1

    @Option(help: "Seconds to measure.")
    var duration: Double = 10

    @Option(help: "Seconds of load before measuring.")
    var warmup: Double = 1

    @Option(name: .customLong("header"), help: "A request header 'Name: value' (repeatable).")
    var headers: [String] = []

    func validate() throws {
        guard (1...4096).contains(concurrency) else { throw ValidationError("--concurrency must be 1–4096") }
        guard duration > 0, duration <= 3600 else { throw ValidationError("--duration must be more than 0 and at most 3600 seconds") }
        guard warmup >= 0, warmup <= 600 else { throw ValidationError("--warmup must be 0–600 seconds") }
        for header in headers where Self.parseHeader(header) == nil {
            throw ValidationError("--header takes 'Name: value', got '\(header)'")
        }
    }

    static func parseHeader(_ text: String) -> (String, String)? {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let name = text[..<colon].filter { $0 != " " && $0 != "\t" }
        var value = text[text.index(after: colon)...]
        while let first = value.first, first == " " || first == "\t" { value = value.dropFirst() }
        guard !name.isEmpty else { return nil }
        return (String(name), String(value))
    }

    func run() async throws {
        let loop = try EventLoop.start(name: "bench-client")
        let client = UpstreamHTTPClient(loop: loop, configuration: UpstreamHTTPConfiguration(
            timeouts: UpstreamTimeouts(connect: .seconds(5), total: .seconds(30)), retryPolicy: .none,
            maxConnectionsPerHost: concurrency, maxCachedConnections: max(64, concurrency),
            maxIdleHandles: max(16, concurrency)))
        let request = UpstreamRequest(url: url, headers: UpstreamHeaders(headers.compactMap(Self.parseHeader)))

        print("upstream-get: \(request.logTarget) concurrency=\(concurrency) duration=\(duration)s warmup=\(warmup)s")
        print("upstream-get: \(UpstreamHTTPClient.libraryVersion)")
        if warmup > 0 {
            _ = await LoadRun.run(client: client, request: request, concurrency: concurrency, seconds: warmup)
        }
        let before = ResourceUsage.now()
        let result = await LoadRun.run(client: client, request: request, concurrency: concurrency, seconds: duration)
        let after = ResourceUsage.now()
        await client.shutdown()
        loop.shutdown()

        let cpu = after - before
        let report = BenchReport(result: result, cpu: cpu)
        report.print()
        loop.join()
        if result.completed == 0 { throw ExitCode(1) }
    }
}
