#if canImport(Glibc)
import Glibc
#endif

/// This process's CPU time so far (user and system), from `getrusage(RUSAGE_SELF)`.
struct ResourceUsage {
    var userMicros: Int64
    var systemMicros: Int64

    static func now() -> ResourceUsage {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return ResourceUsage(
            userMicros: Int64(usage.ru_utime.tv_sec) * 1_000_000 + Int64(usage.ru_utime.tv_usec),
            systemMicros: Int64(usage.ru_stime.tv_sec) * 1_000_000 + Int64(usage.ru_stime.tv_usec))
    }

    static func - (lhs: ResourceUsage, rhs: ResourceUsage) -> ResourceUsage {
        ResourceUsage(userMicros: lhs.userMicros - rhs.userMicros, systemMicros: lhs.systemMicros - rhs.systemMicros)
    }

    var totalMicros: Int64 { userMicros + systemMicros }
}

/// The figures of a load run, printed for people and, on the `RESULT` line, for scripts.
struct BenchReport {
    let result: LoadResult
    let cpu: ResourceUsage

    var requestsPerSecond: Double {
        result.elapsedNanos == 0 ? 0 : Double(result.completed) / (Double(result.elapsedNanos) / 1e9)
    }

    var cpuMicrosPerRequest: Double {
        result.completed == 0 ? 0 : Double(cpu.totalMicros) / Double(result.completed)
    }

    /// The latency at quantile `q` (0–1) in milliseconds, nearest rank.
    func latencyMillis(_ q: Double, sorted: [UInt64]) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = min(sorted.count - 1, max(0, Int((q * Double(sorted.count)).rounded(.up)) - 1))
        return Double(sorted[rank]) / 1e6
    }

    func print() {
        let sorted = result.latencies.sorted()
        let p50 = latencyMillis(0.50, sorted: sorted)
        let p99 = latencyMillis(0.99, sorted: sorted)
        let max = sorted.last.map { Double($0) / 1e6 } ?? 0
        Swift.print(
            "requests \(result.completed)  req/s \(fixed(requestsPerSecond, 1))  p50 \(fixed(p50, 3)) ms  p99 \(fixed(p99, 3)) ms"
                + "  max \(fixed(max, 3)) ms  errors \(result.errors)")
        Swift.print(
            "client CPU \(fixed(Double(cpu.totalMicros) / 1e6, 3)) s (user \(fixed(Double(cpu.userMicros) / 1e6, 3)) s,"
                + " sys \(fixed(Double(cpu.systemMicros) / 1e6, 3)) s) = \(fixed(cpuMicrosPerRequest, 2)) µs/request")
        if !result.errorKinds.isEmpty {
            Swift.print("errors by kind: " + result.errorKinds.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        }
        Swift.print(
            "RESULT requests=\(result.completed) rps=\(fixed(requestsPerSecond, 1)) p50_ms=\(fixed(p50, 3)) p99_ms=\(fixed(p99, 3))"
                + " errors=\(result.errors) cpu_us_per_req=\(fixed(cpuMicrosPerRequest, 2))"
                + " cpu_user_s=\(fixed(Double(cpu.userMicros) / 1e6, 3)) cpu_sys_s=\(fixed(Double(cpu.systemMicros) / 1e6, 3))")
    }
}

/// `value` with exactly `digits` decimals (no Foundation formatting).
func fixed(_ value: Double, _ digits: Int) -> String {
    guard value.isFinite else { return "nan" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    guard scaled < 9e18 else { return String(value) }
    let integer = Int64(scaled)
    let factor = Int64(scale)
    let whole = integer / factor
    var fraction = String(integer % factor)
    while fraction.count < digits { fraction = "0" + fraction }
    let sign = value < 0 && integer != 0 ? "-" : ""
    return digits == 0 ? "\(sign)\(whole)" : "\(sign)\(whole).\(fraction)"
}
