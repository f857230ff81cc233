import EventLoop
import HTTP1
import HTTPRouting

/// Decides and carries out the faults of each request: the flags' random ones (from a
/// seeded generator, so `--seed` replays them) plus the request's `X-Simulator-Fault`.
final class FaultInjector: Sendable {
    let settings: FaultSettings
    private let random: LockedValue<SeededRandom>

    init(settings: FaultSettings, seed: UInt64) {
        self.settings = settings
        random = LockedValue(SeededRandom(seed: seed))
    }

    /// The plan for one request. Four draws per request whatever the settings, so the
    /// sequence of decisions depends only on the seed and the request order.
    func plan(for request: HTTPRequest) throws(SimulatorError) -> FaultPlan {
        var plan = FaultPlan()
        if !settings.isQuiet {
            let (error, limit, drop, stall, pick) = random.withLock { random in
                (random.nextUnit(), random.nextUnit(), random.nextUnit(), random.nextUnit(), random.next() % 3)
            }
            plan.latencyMillis = settings.latencyMillis
            if error < settings.errorRate {
                plan.status = [500, 502, 503][Int(pick)]
            } else if limit < settings.rateLimitRate {
                plan.status = 429
            }
            plan.drop = drop < settings.dropRate
            if settings.stallMillis > 0, stall < settings.stallRate { plan.stallMillis = settings.stallMillis }
        }
        if let header = request.headers["x-simulator-fault"] {
            let asked = try FaultPlan.parse(header: header)
            plan.latencyMillis += asked.latencyMillis
            if let status = asked.status { plan.status = status }
            if let seconds = asked.retryAfterSeconds { plan.retryAfterSeconds = seconds }
            plan.drop = plan.drop || asked.drop
            if let stall = asked.stallMillis { plan.stallMillis = stall }
        }
        return plan
    }

    /// Whether this event stream breaks (a draw only when `streamDropRate` is set).
    func dropsStream() -> Bool {
        guard settings.streamDropRate > 0 else { return false }
        return random.withLock { $0.nextUnit() } < settings.streamDropRate
    }

    /// After how many events this event stream is cut, and the fault's name; nil: never.
    func streamCut() -> (events: Int, kind: String)? {
        if dropsStream() { return (1, "stream_drop") }
        if settings.streamCutAfterEvents > 0 { return (settings.streamCutAfterEvents, "stream_cut") }
        return nil
    }
}

/// Applies the fault plan around the rest of the chain: latency first, then an injected
/// status instead of handling, or a dropped / stalled body after handling.
struct FaultMiddleware: Middleware {
    let injector: FaultInjector
    let stats: SimulatorStats
    let loop: EventLoop

    func handle(_ request: RoutedRequest, next: RouteHandler) async throws -> HTTPResponse {
        let plan = try injector.plan(for: request.request)
        if plan.isEmpty, injector.settings.streamDropRate == 0, injector.settings.streamCutAfterEvents == 0 {
            return try await next(request)
        }
        if plan.latencyMillis > 0 {
            stats.recordFault("latency")
            try await loop.sleep(for: .milliseconds(plan.latencyMillis))
        }
        if let status = plan.status {
            stats.recordFault("status_\(status)")
            throw Self.injectedError(status, retryAfter: plan.retryAfterSeconds ?? injector.settings.retryAfterSeconds)
        }
        var response = try await next(request)
        if case .stream = response.body, !plan.drop, let cut = injector.streamCut() {
            response.body = Self.cutting(response.body, afterEvents: cut.events, loop: loop) { [stats] in stats.recordFault(cut.kind) }
        } else if plan.drop {
            stats.recordFault("drop")
            response.body = Self.dropping(response.body, loop: loop)
        } else if let stall = plan.stallMillis {
            stats.recordFault("stall")
            response.body = Self.stalling(response.body, for: .milliseconds(stall), loop: loop)
        }
        return response
    }

    /// The upstream-shaped error for an injected status.
    static func injectedError(_ status: Int, retryAfter: Int) -> APIError {
        switch status {
        case 429:
            var headers: HTTPHeaders = ["retry-after": String(retryAfter)]
            headers.add(name: "x-ratelimit-remaining-requests", value: "0")
            headers.add(name: "x-ratelimit-reset-requests", value: "\(retryAfter)s")
            return APIError(
                status: .tooManyRequests, type: APIError.ErrorType("requests"), code: .rateLimitExceeded,
                message: "Rate limit reached for requests. Please try again in \(retryAfter)s.", headers: headers)
        case 500:
            return APIError(
                status: .internalServerError, type: .server, code: nil,
                message: "The server had an error while processing your request. Sorry about that!")
        case 502:
            return APIError(status: .badGateway, type: .server, code: nil, message: "Bad gateway.")
        case 503:
            return APIError(
                status: .serviceUnavailable, type: .server, code: nil,
                message: "The engine is currently overloaded, please try again later.")
        default:
            return APIError(
                status: HTTPStatus(status), type: status >= 500 ? .server : .invalidRequest, code: nil,
                message: "Simulated fault: status \(status).")
        }
    }

    /// The body cut short: part of it, then a failure that makes the server reset the connection.
    static func dropping(_ body: HTTPResponse.Body, loop: EventLoop) -> HTTPResponse.Body {
        .stream { writer in
            switch body {
            case .bytes(let bytes):
                try await writer.write(Array(bytes.prefix(max(1, bytes.count / 2))))
            case .stream(let produce):
                let cutting = CuttingWriter(inner: writer, events: 1)
                do {
                    try await produce(cutting)
                } catch is SimulatedDrop {}
            case .later:
                break  // the simulator's routes answer no later responses
            }
            // Give the client a moment to read the part it got before the reset.
            try await loop.sleep(for: .milliseconds(10))
            throw SimulatedDrop()
        }
    }

    /// An event stream cut after its `events`-th event (and part of the next): the connection
    /// is reset there. A stream that ends before that ends normally; `onCut` runs when it was cut.
    static func cutting(
        _ body: HTTPResponse.Body, afterEvents events: Int, loop: EventLoop, onCut: @escaping @Sendable () -> Void
    ) -> HTTPResponse.Body {
        guard case .stream(let produce) = body else { return body }
        return .stream { writer in
            let cutting = CuttingWriter(inner: writer, events: events)
            do {
                try await produce(cutting)
            } catch is SimulatedDrop {}
            guard cutting.didCut else { return }
            onCut()
            try await loop.sleep(for: .milliseconds(10))
            throw SimulatedDrop()
        }
    }

    /// The body paused after its first part.
    static func stalling(_ body: HTTPResponse.Body, for pause: Duration, loop: EventLoop) -> HTTPResponse.Body {
        .stream { writer in
            switch body {
            case .bytes(let bytes):
                let half = max(1, bytes.count / 2)
                try await writer.write(Array(bytes.prefix(half)))
                try await loop.sleep(for: pause)
                if bytes.count > half { try await writer.write(Array(bytes[half...])) }
            case .stream(let produce):
                let stalling = StallingWriter(inner: writer, pause: pause, loop: loop)
                try await produce(stalling)
                try await stalling.stallIfNotYet()
            case .later:
                break  // the simulator's routes answer no later responses
            }
        }
    }
}

/// The failure that ends a dropped body.
struct SimulatedDrop: Error {}

/// Passes the body through the end of its `events`-th server-sent event (a blank line ends
/// one) and half of the next, then fails.
final class CuttingWriter: HTTPBodyWriter, @unchecked Sendable {  // used by the one task writing the body
    private let inner: any HTTPBodyWriter
    /// Events still to pass whole.
    private var remaining: Int
    private var lastByte: UInt8 = 0
    /// Whether the body was cut (it may end before its `events`-th event).
    private(set) var didCut = false

    init(inner: any HTTPBodyWriter, events: Int) {
        self.inner = inner
        remaining = max(1, events)
    }

    func write(_ bytes: [UInt8]) async throws {
        guard remaining > 0 else { try await cut(bytes, passing: 0) }
        var previous = lastByte
        for (index, byte) in bytes.enumerated() {
            defer { previous = byte }
            guard byte == 0x0A, previous == 0x0A else { continue }
            remaining -= 1
            if remaining == 0, index + 1 < bytes.count { try await cut(bytes, passing: index + 1) }
        }
        lastByte = previous
        try await inner.write(bytes)
    }

    /// Writes the first `count` bytes and half of the event after them, then fails.
    private func cut(_ bytes: [UInt8], passing count: Int) async throws -> Never {
        didCut = true
        var nextEnd = bytes.count
        var index = count + 1
        while index < bytes.count {
            if bytes[index] == 0x0A, bytes[index - 1] == 0x0A {
                nextEnd = index + 1
                break
            }
            index += 1
        }
        try await inner.write(Array(bytes.prefix(count + max(1, (nextEnd - count) / 2))))
        throw SimulatedDrop()
    }
}

/// Passes every write, pausing once after the first.
final class StallingWriter: HTTPBodyWriter, @unchecked Sendable {  // used by the one task writing the body
    private let inner: any HTTPBodyWriter
    private let pause: Duration
    private let loop: EventLoop
    private var writes = 0
    private var stalled = false

    init(inner: any HTTPBodyWriter, pause: Duration, loop: EventLoop) {
        self.inner = inner
        self.pause = pause
        self.loop = loop
    }

    func write(_ bytes: [UInt8]) async throws {
        writes += 1
        if writes == 2 { try await stallIfNotYet() }
        try await inner.write(bytes)
    }

    func stallIfNotYet() async throws {
        guard !stalled else { return }
        stalled = true
        try await loop.sleep(for: pause)
    }
}
