import Crypto
import EventLoop

/// Tokens already verified, by the SHA-256 of their text, so the hot path usually skips the
/// signature check and jwt-kit's actor hop. An entry lives until `min(exp + leeway, verified
/// + lifetime)`; a lookup past that misses, so the token is verified (and refused) again.
/// At capacity, expired entries go first, then an arbitrary tenth of the rest.
final class VerifiedTokenCache: Sendable {
    struct Entry {
        let principal: Principal
        let validUntil: Double
    }

    let capacity: Int
    private let entries = LockedValue([SHA256Digest: Entry]())

    init(capacity: Int) { self.capacity = capacity }

    static func key(_ token: String) -> SHA256Digest { SHA256.hash(data: Array(token.utf8)) }

    func lookup(_ key: SHA256Digest, now: Double) -> Principal? {
        guard capacity > 0 else { return nil }
        return entries.withLock { entries in
            guard let entry = entries[key] else { return nil }
            guard now < entry.validUntil else {
                entries[key] = nil
                return nil
            }
            return entry.principal
        }
    }

    func insert(_ key: SHA256Digest, _ principal: Principal, validUntil: Double, now: Double) {
        guard capacity > 0, now < validUntil else { return }
        entries.withLock { entries in
            if entries.count >= capacity && entries[key] == nil {
                entries = entries.filter { now < $0.value.validUntil }
                if entries.count >= capacity {
                    for key in entries.keys.prefix(max(1, capacity / 10)) { entries[key] = nil }
                }
            }
            entries[key] = Entry(principal: principal, validUntil: validUntil)
        }
    }

    var count: Int { entries.withLock { $0.count } }
}
