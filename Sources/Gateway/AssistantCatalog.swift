import EventLoop
import JSON

/// The upstream details of the assistants clients may pick, kept for a while so
/// `GET /v1/assistants` does not cost an upstream call per assistant per request.
final class AssistantCatalog: Sendable {
    private let lifetime: UInt64
    private let entries = LockedValue<[String: (object: JSONObject, until: UInt64)]>([:])

    init(lifetime: Duration) {
        self.lifetime = lifetime.nanoseconds
    }

    /// The cached object for `id` while fresh, else `fetch`'s (cached).
    func assistant(_ id: String, fetch: () async throws -> JSONObject) async throws -> JSONObject {
        let now = EventLoop.monotonicNanoseconds
        if let cached = entries.withLock({ $0[id] }), cached.until > now { return cached.object }
        let object = try await fetch()
        entries.withLock { $0[id] = (object, now + lifetime) }
        return object
    }
}
