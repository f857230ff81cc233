import EventLoop
import Logging
import UpstreamHTTP

/// Checks in the background, every `interval`, that the upstream answers: `GET <base>/assistants?limit=1`
/// with the configured key. `/readyz` reads the cached answer and never calls the upstream itself.
///
/// Any status below 500 other than 401/403 means reachable (`ok`); 401/403 mean the key is
/// refused (`upstream_auth_failed`); a 5xx or no answer means `unavailable`. The probe has its
/// own client, with no retries and outside the metrics and the per-attempt log, so probes do
/// not count as traffic; a change of answer is logged once.
final class UpstreamProbe: Sendable {
    private let client: UpstreamHTTPClient
    private let request: UpstreamRequest
    private let interval: Duration
    private let logger: Logger
    private let latest = LockedValue(
        ReadinessReport.Check(status: .unknown, message: "The upstream has not been checked yet."))
    private let task = LockedValue<Task<Void, Never>?>(nil)

    /// - Parameters:
    ///   - settings: the upstream's base URL (required), key, organization and project.
    ///   - interval: the pause between probes; each probe's timeout is the smaller of this and 5 s.
    init(loop: EventLoop, settings: UpstreamSettings, baseURL: String, interval: Duration, logger: Logger) {
        let timeout = min(interval, .seconds(5))
        client = UpstreamHTTPClient(
            loop: loop,
            configuration: UpstreamHTTPConfiguration(
                timeouts: UpstreamTimeouts(connect: timeout, total: timeout), retryPolicy: .none,
                maxConnectionsPerHost: 1, maxCachedConnections: 1, maxIdleHandles: 1, maxResponseBytes: 1024 * 1024))
        var headers: UpstreamHeaders = ["OpenAI-Beta": "assistants=v2", "Accept": "application/json"]
        if let key = settings.apiKey { headers.add(name: "Authorization", value: "Bearer \(key)") }
        if let organization = settings.organization { headers.add(name: "OpenAI-Organization", value: organization) }
        if let project = settings.project { headers.add(name: "OpenAI-Project", value: project) }
        let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        request = UpstreamRequest(method: .get, url: base + "/assistants?limit=1", headers: headers)
        self.interval = interval
        self.logger = logger
    }

    /// The last answer (`unknown` until the first probe ends).
    var check: ReadinessReport.Check { latest.withLock { $0 } }

    /// Probes now, then every `interval`, until `stop()`.
    func start() {
        let loop = client.loop
        let probe = Task(executorPreference: loop) { [self] in
            while !Task.isCancelled {
                let check = await probeOnce()
                publish(check)
                do { try await loop.sleep(for: interval) } catch { return }
            }
        }
        task.withLock { $0 = probe }
    }

    /// Ends the probing and closes the probe's connections.
    func stop() async {
        let probe = task.withLock { task in
            defer { task = nil }
            return task
        }
        probe?.cancel()
        await probe?.value
        await client.shutdown()
    }

    private func probeOnce() async -> ReadinessReport.Check {
        do {
            let response = try await client.execute(request)
            return Self.check(status: response.status)
        } catch {
            return ReadinessReport.Check(
                status: .unavailable, message: "The upstream did not answer (\(error.code.name)).")
        }
    }

    /// The check for an upstream answer with `status`.
    static func check(status: Int) -> ReadinessReport.Check {
        switch status {
        case 401, 403:
            ReadinessReport.Check(
                status: .upstreamAuthFailed, message: "The upstream refused the configured key (HTTP \(status)).")
        case 500...:
            ReadinessReport.Check(status: .unavailable, message: "The upstream answered HTTP \(status).")
        default:
            .ok
        }
    }

    private func publish(_ check: ReadinessReport.Check) {
        let previous = latest.withLock { latest in
            defer { latest = check }
            return latest
        }
        guard previous.status != check.status else { return }
        if check.status == .ok {
            logger.info("upstream reachable")
        } else {
            logger.warning(
                "upstream check failed",
                metadata: ["upstream": "\(check.status.rawValue)", "reason": "\(check.message ?? "")"])
        }
    }
}
