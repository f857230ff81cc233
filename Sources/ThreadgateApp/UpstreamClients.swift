import AssistantsV2
import EventLoop
import Gateway
import Logging
import ResponsesV1
import UpstreamAPI
import UpstreamHTTP

/// One libcurl client per worker loop and the dialects over them, so an upstream call runs
/// on the loop of the request that makes it.
final class UpstreamClients: Sendable {
    private let loops: [EventLoop]
    private let clients: [UpstreamHTTPClient]
    private let assistants: [AssistantsDialect]?
    private let responses: [ResponsesDialect]?

    init(loops: [EventLoop], settings: UpstreamSettings, metrics: GatewayMetrics?, logger: Logger) {
        self.loops = loops
        let attemptLog = Self.attemptLog(logger, metrics: metrics, basePath: UpstreamOperation.basePath(of: settings.baseURL))
        clients = loops.map { loop in
            UpstreamHTTPClient(
                loop: loop,
                configuration: UpstreamHTTPConfiguration(
                    timeouts: UpstreamTimeouts(connect: .seconds(10), total: settings.timeout),
                    maxConnectionsPerHost: settings.maxConnectionsPerHost, attemptLog: attemptLog))
        }
        if let baseURL = settings.baseURL {
            let configuration = AssistantsConfiguration(
                baseURL: baseURL, apiKey: settings.apiKey ?? "", organization: settings.organization, project: settings.project)
            assistants = clients.map { AssistantsDialect(client: AssistantsClient(http: $0, configuration: configuration)) }
            // Both dialects over the same upstream: each thread keeps the one it was created in.
            let responsesConfiguration = ResponsesConfiguration(
                baseURL: baseURL, apiKey: settings.apiKey ?? "", organization: settings.organization, project: settings.project,
                profiles: settings.effectiveResponsesProfiles)
            responses = clients.map { ResponsesDialect(http: $0, configuration: responsesConfiguration) }
        } else {
            assistants = nil
            responses = nil
        }
    }

    /// The caller's loop's client (the first one off the worker loops).
    var currentClient: UpstreamHTTPClient { clients[currentIndex] }

    private var currentIndex: Int { loops.firstIndex { $0.inLoop } ?? 0 }

    /// The gateway's dialect lookup over these clients.
    var dialects: UpstreamDialects {
        UpstreamDialects { [self] kind in
            switch kind {
            case .assistants: assistants?[currentIndex]
            case .responses: responses?[currentIndex]
            }
        }
    }

    func shutdown() async {
        for client in clients { await client.shutdown() }
    }

    /// Counts each upstream attempt in `metrics`, and writes one JSON log line per attempt:
    /// target (no query), status or failure, duration, both request ids and what the client
    /// does next. Never headers (they hold the key).
    private static func attemptLog(
        _ logger: Logger, metrics: GatewayMetrics?, basePath: Substring
    ) -> (@Sendable (UpstreamAttemptRecord) -> Void)? {
        let logs = logger.logLevel <= .info
        guard logs || metrics != nil else { return nil }
        return { record in
            metrics?.record(record, operation: UpstreamOperation.name(target: record.target, basePath: basePath))
            guard logs else { return }
            var metadata: Logger.Metadata = [
                "target": "\(record.target)",
                "attempt": .stringConvertible(record.attempt),
                "duration_ms": .stringConvertible(Double(record.durationNanos / 1000) / 1000),
            ]
            if let status = record.status { metadata["status"] = .stringConvertible(status) }
            if let error = record.error { metadata["error"] = "\(error)" }
            if let id = record.requestID { metadata["request_id"] = "\(id)" }
            if let id = record.upstreamRequestID { metadata["upstream_request_id"] = "\(id)" }
            switch record.decision {
            case .retry(let delay): metadata["retry_in_ms"] = .stringConvertible(delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000)
            case .stop: break
            }
            logger.info("upstream", metadata: metadata)
        }
    }
}
