import JSON

extension JSONValue {
    /// `.int(value)`, or `.null` when nil.
    static func integer(_ value: Int64?) -> JSONValue {
        value.map { .int($0) } ?? .null
    }

    /// `.string(value)`, or `.null` when nil.
    static func text(_ value: String?) -> JSONValue {
        value.map { .string($0) } ?? .null
    }

    /// Unix seconds for a time held in milliseconds, or `.null`.
    static func seconds(_ millis: Int64?) -> JSONValue {
        millis.map { .int($0 / 1000) } ?? .null
    }

    /// `{"prompt_tokens","completion_tokens","total_tokens"}`.
    static func usage(prompt: Int, completion: Int) -> JSONValue {
        [
            "prompt_tokens": .int(Int64(prompt)), "completion_tokens": .int(Int64(completion)),
            "total_tokens": .int(Int64(prompt + completion)),
        ]
    }

    /// A text content part: `{"type":"text","text":{"value":…,"annotations":[]}}`.
    static func textContent(_ value: String) -> JSONValue {
        ["type": "text", "text": ["value": .string(value), "annotations": []]]
    }
}

/// `{"object":"list","data":[…],"first_id","last_id","has_more"}` and cursor pagination
/// (notes §3): `after`/`before` are ids in the list as ordered by `order`.
public struct ListQuery: Sendable, Hashable {
    public enum Order: String, Sendable, Hashable { case asc, desc }
    public var limit: Int
    public var order: Order
    public var after: String?
    public var before: String?

    public init(limit: Int = 20, order: Order = .desc, after: String? = nil, before: String? = nil) {
        self.limit = limit
        self.order = order
        self.after = after
        self.before = before
    }

    /// One page of `items` (oldest first) as a list envelope.
    ///
    /// `after` starts the page just after that id, `before` ends it just before that id (the
    /// `limit` items closest to it). `has_more` tells whether items remain beyond the page in
    /// the direction of travel (toward the end for `after`/no cursor, toward the start for
    /// `before`). An unknown cursor gives an empty page.
    func page<Item>(_ items: [Item], id: (Item) -> String, render: (Item) -> JSONValue) -> JSONValue {
        let ordered = order == .asc ? items : items.reversed()
        var start = 0
        var end = ordered.count
        if let after {
            guard let position = ordered.firstIndex(where: { id($0) == after }) else { return Self.envelope([], hasMore: false) }
            start = position + 1
        }
        if let before {
            guard let position = ordered.firstIndex(where: { id($0) == before }) else { return Self.envelope([], hasMore: false) }
            end = position
        }
        guard start < end else { return Self.envelope([], hasMore: false) }
        let window: ArraySlice<Item>
        let hasMore: Bool
        if before != nil && after == nil {
            let first = max(start, end - limit)
            window = ordered[first..<end]
            hasMore = first > start
        } else {
            let last = min(end, start + limit)
            window = ordered[start..<last]
            hasMore = last < end
        }
        return Self.envelope(window.map(render), hasMore: hasMore)
    }

    static func envelope(_ data: [JSONValue], hasMore: Bool) -> JSONValue {
        [
            "object": "list", "data": .array(data),
            "first_id": data.first?["id"] ?? .null, "last_id": data.last?["id"] ?? .null,
            "has_more": .bool(hasMore),
        ]
    }
}
