public import Logging
import EventLoop
import HTTP1
#if canImport(Glibc)
import Glibc
#endif

/// Runs `threadgate serve`: worker loops, the HTTP server, and graceful shutdown on SIGTERM/SIGINT.
public enum ServeRuntime {
    /// Serves until SIGTERM or SIGINT, then drains in-flight requests within the configured grace
    /// period, closes the database pools and returns (the process then exits 0).
    ///
    /// - Parameter onListening: runs once the server listens (`threadgate dev` prints its URL).
    public static func run(
        _ config: ServeConfiguration, logger: Logger, onListening: (GatewayServer) -> Void = { _ in }
    ) async throws {
        EventLoop.ignoreBrokenPipeSignals()
        if let limits = DescriptorLimit.raiseSoftToHard() {
            logger.log(
                level: limits.after.soft < 4096 ? .warning : .debug, "descriptor limit",
                metadata: [
                    "soft": .stringConvertible(limits.after.soft), "hard": .stringConvertible(limits.after.hard),
                    "raised_from": .stringConvertible(limits.before.soft),
                ])
        }
        ProcessMetrics.bootstrap()
        let gateway = try await GatewayServer.start(config, logger: logger)
        logger.info(
            "listening",
            metadata: [
                "host": "\(config.host)", "port": .stringConvertible(gateway.port),
                "workers": .stringConvertible(config.workers),
                "version": "\(ThreadgateVersion.current)",
            ])
        onListening(gateway)
        let trimmer = MemoryTrimmer.start(interval: config.mallocTrimInterval)
        defer { trimmer?.stop() }
        let signal: Int32
        do {
            signal = try await waitForTerminationSignal(on: gateway.loops[0])
        } catch {
            await gateway.stop(gracePeriod: .zero)
            throw error
        }
        logger.info(
            "shutting down",
            metadata: [
                "signal": "\(signal == SIGTERM ? "SIGTERM" : "SIGINT")",
                "drain_delay_ms": .stringConvertible(config.shutdownDrainDelay.nanoseconds / 1_000_000),
                "grace_seconds": .stringConvertible(config.shutdownGrace.components.seconds),
            ])
        await gateway.drainAndStop(drainDelay: config.shutdownDrainDelay, gracePeriod: config.shutdownGrace)
        logger.info("stopped")
    }

    static func httpConfiguration(_ config: ServeConfiguration, logger: Logger, metrics: GatewayMetrics) -> HTTPServerConfiguration {
        HTTPServerConfiguration(
            host: config.host, port: config.port, reusePort: true, limits: config.limits,
            timeouts: config.timeouts,
            errorResponse: AppRoutes.errorResponse,
            accessLog: AccessLog.sink(for: logger, metrics: metrics))
    }

    /// Suspends until SIGTERM or SIGINT arrives; returns the signal number.
    static func waitForTerminationSignal(on loop: EventLoop) async throws -> Int32 {
        try await withLoopCallback(on: loop) { (completion: LoopCompletion<Int32>) in
            var watchers: [SignalWatcher] = []
            let finish: (Int32) -> Void = { signal in
                for watcher in watchers { watcher.close() }
                completion.succeed(signal)
            }
            do {
                for signal in [SIGTERM, SIGINT] {
                    let watcher = try SignalWatcher(loop: loop)
                    watchers.append(watcher)
                    try watcher.start(signal: signal, finish)
                }
            } catch {
                for watcher in watchers { watcher.close() }
                completion.fail(error)
            }
            completion.onCancel { for watcher in watchers { watcher.close() } }
        }
    }
}

/// The one-line-per-request access log, and the request metrics fed from the same record.
enum AccessLog {
    /// The server's access-record hook: counts the request in `metrics` and, when the level
    /// keeps request lines, logs it.
    static func sink(for logger: Logger, metrics: GatewayMetrics) -> @Sendable (HTTPAccessRecord) -> Void {
        guard logger.logLevel <= .info else { return { record in metrics.record(record) } }
        return { record in
            metrics.record(record)
            log(record, to: logger)
        }
    }

    static func log(_ record: HTTPAccessRecord, to logger: Logger) {
        guard logger.logLevel <= .info else { return }
        var metadata: Logger.Metadata = [
            "method": "\(record.method)",
            "path": "\(record.path)",
            "status": .stringConvertible(record.status),
            "duration_ms": .stringConvertible(Double(record.durationNanos / 1000) / 1000),
            "request_id": "\(record.requestID)",
            "remote": "\(record.remoteAddress)",
        ]
        if let route = record.routeTemplate { metadata["route"] = "\(route)" }
        if let code = record.errorCode { metadata["error_code"] = "\(code)" }
        if let user = record.user { metadata["user"] = "\(user)" }
        logger.info("request", metadata: metadata)
    }
}
