import EventLoop
import JSON

/// The `created_at` of the conversations one dialect instance created or read.
///
/// Items carry no time, so every message shows its conversation's `created_at`; a streamed
/// run's finished message needs it too, and finding it here spares the stream a request. A
/// conversation's `created_at` never changes, so an entry is never stale; the cache only ever
/// saves requests and forgets everything when it is full.
final class ConversationTimes: Sendable {
    static let capacity = 10_000
    private let times = LockedValue<[String: JSONValue]>([:])

    /// Remembers the `created_at` of `conversation` (a conversation object).
    func remember(_ conversation: JSONObject) {
        guard let id = conversation["id"]?.stringValue, let createdAt = conversation["created_at"], !createdAt.isNull else { return }
        times.withLock { times in
            if times.count >= Self.capacity, times[id] == nil { times.removeAll(keepingCapacity: true) }
            times[id] = createdAt
        }
    }

    func createdAt(of id: String) -> JSONValue? { times.withLock { $0[id] } }
}
