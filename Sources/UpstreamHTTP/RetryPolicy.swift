/// When and how often a failed upstream request is sent again.
///
/// Only idempotent requests are retried (see `UpstreamRequest.isIdempotent`), and only after a
/// connection failure or a retryable status (429, 500, 502, 503, 504 by default). The pause is
/// the server's `retry-after-ms` or `Retry-After` when it sent one, else exponential backoff
/// with jitter. Attempts and the time spent are both bounded.
///
/// ```swift
/// let policy = RetryPolicy(maxAttempts: 4, baseDelay: .milliseconds(200))
/// ```
public struct RetryPolicy: Sendable {
    /// Most attempts in all, counting the first; 1 disables retries.
    public var maxAttempts: Int
    /// The backoff before the second attempt; it doubles for each further one.
    public var baseDelay: Duration
    /// The largest backoff (before jitter).
    public var maxDelay: Duration
    /// The fraction of each backoff taken away at random (0 none, 1 "full jitter").
    public var jitter: Double
    /// No attempt starts later than this after the first one started.
    public var maxElapsed: Duration
    /// A longer `Retry-After` ends the retries at once (the caller sees the 429 or 503).
    public var maxRetryAfter: Duration
    /// Response statuses worth another attempt.
    public var retryableStatuses: Set<Int>
    /// A random number in `0..<1` for the jitter; injectable for tests.
    public var random: @Sendable () -> Double

    public init(
        maxAttempts: Int = 3, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(8),
        jitter: Double = 0.25, maxElapsed: Duration = .seconds(30), maxRetryAfter: Duration = .seconds(60),
        retryableStatuses: Set<Int> = [429, 500, 502, 503, 504],
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        precondition(maxAttempts >= 1, "maxAttempts counts the first attempt")
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.jitter = min(max(jitter, 0), 1)
        self.maxElapsed = maxElapsed
        self.maxRetryAfter = maxRetryAfter
        self.retryableStatuses = retryableStatuses
        self.random = random
    }

    /// Three attempts, 0.5 s doubling to 8 s, 25 % jitter, within 30 s.
    public static var standard: RetryPolicy { RetryPolicy() }
    /// Never retries.
    public static var none: RetryPolicy { RetryPolicy(maxAttempts: 1) }

    /// Failures that mean the request most likely never reached the upstream's handler.
    public static let retryableFailures: Set<UpstreamHTTPError.Code> = [.connectFailed, .connectTimeout, .connectionLost]

    /// The pause after attempt number `attempt` (1-based) when the server named none:
    /// `baseDelay · 2^(attempt−1)`, at most `maxDelay`, less up to `jitter` of it at random.
    public func backoff(afterAttempt attempt: Int) -> Duration {
        let exponent = Double(min(max(attempt - 1, 0), 62))
        let capped = min(baseDelay.seconds * pow2(exponent), maxDelay.seconds)
        let factor = 1 - jitter * min(max(random(), 0), 1)
        return .microseconds(Int64((capped * factor * 1e6).rounded()))
    }

    /// Decides what follows attempt number `attempt` (1-based), which produced `outcome`,
    /// `elapsed` after the first attempt started.
    public func decide(after outcome: AttemptOutcome, attempt: Int, idempotent: Bool, elapsed: Duration) -> RetryDecision {
        let retryAfter: Duration?
        switch outcome {
        case .response(let status, let serverDelay):
            guard retryableStatuses.contains(status) else { return .stop(.notRetryable) }
            retryAfter = serverDelay
        case .failure(let code):
            guard Self.retryableFailures.contains(code) else { return .stop(.notRetryable) }
            retryAfter = nil
        }
        guard idempotent else { return .stop(.notIdempotent) }
        guard attempt < maxAttempts else { return .stop(.attemptsExhausted) }
        let delay: Duration
        if let retryAfter {
            guard retryAfter <= maxRetryAfter else { return .stop(.retryAfterTooLong) }
            delay = max(retryAfter, .zero)
        } else {
            delay = backoff(afterAttempt: attempt)
        }
        guard elapsed + delay < maxElapsed else { return .stop(.timeBudgetExhausted) }
        return .retry(after: delay)
    }

    private func pow2(_ exponent: Double) -> Double {
        var result = 1.0
        for _ in 0..<Int(exponent) { result *= 2 }
        return result
    }
}

/// What one attempt produced, as the retry policy sees it.
public enum AttemptOutcome: Hashable, Sendable {
    /// A complete response head; `retryAfter` from `retry-after-ms` or `Retry-After`.
    case response(status: Int, retryAfter: Duration?)
    case failure(UpstreamHTTPError.Code)
}

/// Whether another attempt follows, and after which pause.
public enum RetryDecision: Hashable, Sendable {
    case retry(after: Duration)
    case stop(RetryStopReason)
}

/// Why no further attempt is made.
public enum RetryStopReason: Hashable, Sendable {
    /// The outcome is final: a non-retryable status (including success) or failure.
    case notRetryable
    /// The outcome was retryable, but repeating the request would not be safe.
    case notIdempotent
    case attemptsExhausted
    /// The next attempt would start after `maxElapsed`.
    case timeBudgetExhausted
    /// The server asked for a longer pause than `maxRetryAfter`.
    case retryAfterTooLong
}

extension Duration {
    /// The duration in seconds as a floating-point number.
    var seconds: Double {
        let (whole, atto) = components
        return Double(whole) + Double(atto) / 1e18
    }

    /// Whole milliseconds, rounded up; at least 1 when positive. For libcurl's `_MS` options.
    var curlMilliseconds: Int {
        let (whole, atto) = components
        guard whole > 0 || atto > 0 else { return 0 }
        return max(1, Int(whole) * 1000 + Int((atto + 999_999_999_999_999) / 1_000_000_000_000_000))
    }
}

/// Reads the server's requested pause: `retry-after-ms` (milliseconds, OpenAI's extension)
/// first, then `Retry-After` as delay-seconds or an HTTP-date (RFC 9110 §10.2.3); a date in
/// the past is no pause. `RetryPolicy.maxRetryAfter` caps the result as for any other value.
/// - Parameter now: the wall clock in seconds since the epoch, read only for an HTTP-date.
func retryAfterDelay(_ headers: UpstreamHeaders, now: () -> Int64 = HTTPDate.wallClockSeconds) -> Duration? {
    if let text = headers["retry-after-ms"], let millis = Double(text.trimmingSpaces), millis >= 0, millis.isFinite {
        return .milliseconds(millis)
    }
    guard let text = headers["retry-after"]?.trimmingSpaces else { return nil }
    if let seconds = Double(text), seconds >= 0, seconds.isFinite {
        return .seconds(seconds)
    }
    guard let first = text.utf8.first, first >= UInt8(ascii: "A") else { return nil }  // a date starts with its day name
    let current = now()
    guard let date = HTTPDate.secondsSinceEpoch(text, now: current) else { return nil }
    return .seconds(max(0, date - current))
}

extension UpstreamHeaders {
    /// The pause the server asked for: `retry-after-ms`, else `Retry-After` (seconds or an HTTP-date).
    public var retryAfter: Duration? { retryAfterDelay(self) }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: Substring {
        var text = Substring(self)
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return text
    }
}
