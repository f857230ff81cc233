import EventLoop
import Metrics
import Prometheus

/// The process-wide swift-metrics backend: every `Counter(label:)`, `Timer(label:)`,
/// `Gauge(label:)` or `Recorder(label:)` created with `import Metrics` anywhere in the process
/// lands in ``registry``, which `GET /metrics` exposes next to the server's own figures.
///
/// `MetricsSystem.bootstrap` may run once per process, so ``bootstrap()`` is idempotent:
/// `serve` and `dev` call it, and so may every test that starts a gateway.
public enum ProcessMetrics {
    /// Where the process-wide metrics go (empty until ``bootstrap()`` ran).
    static let registry = PrometheusCollectorRegistry()
    private static let bootstrapped = LockedValue(false)

    /// Makes swift-metrics write to ``registry``. Only the first call in a process acts.
    public static func bootstrap() {
        bootstrapped.withLock { done in
            guard !done else { return }
            done = true
            MetricsSystem.bootstrap(makeFactory(registry))
        }
    }

    /// A Prometheus factory over `registry` with threadgate's histogram buckets.
    static func makeFactory(_ registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = durationBuckets
        factory.valueHistogramBuckets["threadgate_ask_upstream_requests"] = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 64]
        return factory
    }

    /// From a cheap local answer (1 ms) to a long ask-and-wait (60 s).
    static let durationBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
    ]
}
