/// Faults injected into every request at random, set by `threadgate simulate --fault-*` flags.
public struct FaultSettings: Sendable, Hashable {
    /// Added before every request is handled.
    public var latencyMillis: Int = 0
    /// Share of requests answered 500, 502 or 503 (equally likely) without being handled.
    public var errorRate: Double = 0
    /// Share of requests answered 429 with `Retry-After` without being handled.
    public var rateLimitRate: Double = 0
    /// `Retry-After` seconds on injected 429s.
    public var retryAfterSeconds: Int = 1
    /// Share of responses cut mid-body (the connection is reset after part of the body).
    public var dropRate: Double = 0
    /// Pause after the head and part of the body, when a response stalls.
    public var stallMillis: Int = 0
    /// Share of responses that stall when `stallMillis > 0`.
    public var stallRate: Double = 1
    /// Share of event streams (streamed runs and responses, resumed response streams too) cut
    /// after their first event — a stream that breaks once the run exists, and whose resumes
    /// break too.
    public var streamDropRate: Double = 0
    /// Cut every event stream after its `n`-th event (0: never); a resumed response stream
    /// is a new stream, so a client that resumes from the last sequence number it saw gets
    /// `n` more events each time. For testing resumption.
    public var streamCutAfterEvents: Int = 0

    public init() {}

    public var isQuiet: Bool {
        latencyMillis == 0 && errorRate == 0 && rateLimitRate == 0 && dropRate == 0 && stallMillis == 0 && streamDropRate == 0
            && streamCutAfterEvents == 0
    }
}

/// The faults chosen for one request.
///
/// A request may ask for its own with the `X-Simulator-Fault` header, a comma-separated
/// list of directives (names case-insensitive, spaces ignored):
///
/// | directive | effect |
/// | --- | --- |
/// | `latency=<ms>` | wait before handling the request |
/// | `status=<code>` or `<code>` | answer 400–599 at once, without handling the request (a 429 carries `Retry-After`) |
/// | `retry-after=<s>` | `Retry-After` seconds for that 429 (default 1) |
/// | `drop` | handle the request, send the head and part of the body, then reset the connection |
/// | `stall=<ms>` | handle the request, send the head and part of the body, pause, then send the rest |
///
/// For example `X-Simulator-Fault: latency=300,status=503` or `X-Simulator-Fault: 429,retry-after=2`.
/// Header directives add to the flags' random faults; a header status wins over a random one.
public struct FaultPlan: Sendable, Hashable {
    public var latencyMillis = 0
    public var status: Int?
    public var retryAfterSeconds: Int?
    public var drop = false
    public var stallMillis: Int?

    public init() {}

    public var isEmpty: Bool { latencyMillis == 0 && status == nil && !drop && stallMillis == nil }

    /// Parses an `X-Simulator-Fault` header value.
    /// - Throws: 400 naming the first directive it cannot read.
    public static func parse(header: String) throws(SimulatorError) -> FaultPlan {
        var plan = FaultPlan()
        for raw in header.split(separator: ",") {
            let directive = String(raw).trimmingSpaces().lowercased()
            if directive.isEmpty { continue }
            let parts = directive.split(separator: "=", maxSplits: 1).map { String($0).trimmingSpaces() }
            let number = parts.count == 2 ? Int(parts[1]) : nil
            switch (parts[0], parts.count) {
            case ("latency", 2) where number.map({ (0...600_000).contains($0) }) == true:
                plan.latencyMillis += number!
            case ("status", 2) where number.map(Self.isInjectableStatus) == true:
                plan.status = number
            case ("retry-after", 2) where number.map({ (0...3600).contains($0) }) == true:
                plan.retryAfterSeconds = number
            case ("drop", 1):
                plan.drop = true
            case ("stall", 2) where number.map({ (0...600_000).contains($0) }) == true:
                plan.stallMillis = number
            case (let code, 1) where Int(code).map(Self.isInjectableStatus) == true:
                plan.status = Int(code)
            default:
                throw .invalid(
                    "Invalid X-Simulator-Fault directive '\(raw.trimmingSpaces())'. Expected latency=<ms>, status=<400-599>, <400-599>, retry-after=<s>, drop or stall=<ms>, separated by commas.",
                    param: "X-Simulator-Fault")
            }
        }
        return plan
    }

    static func isInjectableStatus(_ code: Int) -> Bool { (400...599).contains(code) }
}

extension Substring {
    func trimmingSpaces() -> String { String(self).trimmingSpaces() }
}
