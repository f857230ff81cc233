import EventLoop
import UpstreamHTTP

/// The keys behind `AUTH_JWKS_URL`: fetched at start-up, fetched again when a token names an
/// unknown `kid` (key rotation) — at most once per refresh interval, with concurrent callers
/// sharing one fetch. A failed refresh keeps the keys already loaded.
final class RemoteJWKS: Sendable {
    private struct RefreshState {
        var lastStarted: Double?
        var inFlight: Task<Void, Never>?
        /// Why the last refresh failed, for the `detail` of the unknown-key error.
        var lastFailure: String?
    }

    let url: String
    private let http: UpstreamHTTPClient
    private let interval: Double
    private let clock: AuthClock
    private let current: LockedValue<JWKSKeySet>
    private let state = LockedValue(RefreshState())

    private init(url: String, http: UpstreamHTTPClient, interval: Double, clock: AuthClock, keys: JWKSKeySet) {
        self.url = url
        self.http = http
        self.interval = interval
        self.clock = clock
        current = LockedValue(keys)
    }

    /// Fetches the keys once; fails when the URL cannot be fetched or holds no usable key.
    static func load(url: String, http: UpstreamHTTPClient, interval: Duration, clock: AuthClock) async throws(AuthError) -> RemoteJWKS {
        let keys = try await fetch(url: url, http: http)
        let remote = RemoteJWKS(url: url, http: http, interval: interval.secondsValue, clock: clock, keys: keys)
        remote.state.withLock { $0.lastStarted = clock.now() }
        return remote
    }

    var keys: JWKSKeySet { current.withLock { $0 } }

    /// Why the last refresh failed, if it did.
    var lastFailure: String? { state.withLock { $0.lastFailure } }

    /// Fetches the keys again unless a fetch started within the interval; joins a fetch in flight.
    func refreshAfterUnknownKey() async {
        let task: Task<Void, Never>? = state.withLock { state in
            if let inFlight = state.inFlight { return inFlight }
            let now = clock.now()
            if let last = state.lastStarted, now >= last, now - last < interval { return nil }
            state.lastStarted = now
            let task = Task(executorPreference: http.loop) { await self.refresh() }
            state.inFlight = task
            return task
        }
        await task?.value
    }

    private func refresh() async {
        var failure: String?
        do {
            let keys = try await Self.fetch(url: url, http: http)
            current.withLock { $0 = keys }
        } catch {
            failure = error.debugDescription
        }
        state.withLock { state in
            state.inFlight = nil
            state.lastFailure = failure
        }
    }

    private static func fetch(url: String, http: UpstreamHTTPClient) async throws(AuthError) -> JWKSKeySet {
        let request = UpstreamRequest(
            url: url, headers: ["Accept": "application/json"],
            timeouts: UpstreamTimeouts(connect: .seconds(5), total: .seconds(10)))
        let response: UpstreamResponse
        do {
            response = try await http.execute(request)
        } catch {
            throw AuthError(.keysUnavailable, "the token signing keys cannot be fetched", detail: error.debugDescription)
        }
        guard response.status == 200 else {
            throw AuthError(
                .keysUnavailable, "the token signing keys cannot be fetched",
                detail: "\(request.logTarget): status \(response.status)")
        }
        return try await JWKSKeySet.load(response.body, source: request.logTarget, failure: .keysUnavailable)
    }
}
