import JSON
import UpstreamAPI

/// A page of frontend messages read from conversation items, which also hold function calls
/// and their outputs, and which can only be listed forward (`limit`, `order`, `after`).
///
/// - The pager walks the items in the direction of travel from the cursor, keeps user and
///   assistant message items, and asks for further item pages until it holds `limit + 1`
///   messages or the items run out; the extra message only tells `has_more`.
/// - `before` alone is the same walk in the opposite order starting after `before`; the
///   page is then reversed back to the requested order, and `has_more` tells whether
///   messages remain beyond it toward the start (as the Assistants lists do).
/// - `after` with `before` walks forward from `after` and stops at `before`.
/// - Item pages ask for at least 20 items (at most 100), so a thread rich in tool calls
///   still fills a page in few requests.
struct MessagePager {
    let limit: Int
    let order: String
    let after: String?
    let before: String?
    let fetch: (_ query: [(String, String)]) async throws(UpstreamAPIError) -> JSONObject

    init(page: PageRequest, fetch: @escaping (_ query: [(String, String)]) async throws(UpstreamAPIError) -> JSONObject) {
        limit = max(1, min(100, page.limit ?? 20))
        order = page.order == "asc" ? "asc" : "desc"
        after = page.after
        before = page.before
        self.fetch = fetch
    }

    /// The message items of the page, in the requested order.
    func collect() async throws(UpstreamAPIError) -> (data: [JSONObject], hasMore: Bool) {
        let backward = before != nil && after == nil
        let travel = backward ? (order == "asc" ? "desc" : "asc") : order
        var cursor = backward ? before : after
        let stop = backward ? nil : before
        var messages: [JSONObject] = []
        var more = true
        while more, messages.count <= limit {
            var query: [(String, String)] = [("limit", String(max(20, min(100, limit + 1 - messages.count)))), ("order", travel)]
            if let cursor { query.append(("after", cursor)) }
            let page = try await fetch(query)
            guard let data = page["data"]?.arrayValue else { throw ResponsesTransport.invalid("the item list has no array 'data'") }
            more = page["has_more"]?.boolValue ?? false
            for value in data {
                guard let item = value.objectValue else { throw ResponsesTransport.invalid("the item list holds a \(value.typeName)") }
                if let stop, item["id"]?.stringValue == stop {
                    more = false
                    break
                }
                if MessageMapping.isMessage(item) { messages.append(item) }
            }
            guard let last = data.last?["id"]?.stringValue else { break }
            cursor = last
        }
        let hasMore = messages.count > limit
        var page = Array(messages.prefix(limit))
        if backward { page.reverse() }
        return (page, hasMore)
    }
}

/// Cursor pagination over a list the dialect built itself (steps, a run's messages,
/// assistants), given oldest first; the same rules as the upstream's lists.
enum InMemoryPager {
    static func page(_ items: [JSONObject], _ request: PageRequest) throws(UpstreamAPIError) -> UpstreamPage {
        let limit = max(1, min(100, request.limit ?? 20))
        let ordered = request.order == "asc" ? items : items.reversed()
        var start = 0
        var end = ordered.count
        if let after = request.after {
            guard let position = ordered.firstIndex(where: { $0["id"]?.stringValue == after }) else {
                return UpstreamPage(data: [], firstID: nil, lastID: nil, hasMore: false)
            }
            start = position + 1
        }
        if let before = request.before {
            guard let position = ordered.firstIndex(where: { $0["id"]?.stringValue == before }) else {
                return UpstreamPage(data: [], firstID: nil, lastID: nil, hasMore: false)
            }
            end = position
        }
        guard start < end else { return UpstreamPage(data: [], firstID: nil, lastID: nil, hasMore: false) }
        let window: ArraySlice<JSONObject>
        let hasMore: Bool
        if request.before != nil, request.after == nil {
            let first = max(start, end - limit)
            window = ordered[first..<end]
            hasMore = first > start
        } else {
            let last = min(end, start + limit)
            window = ordered[start..<last]
            hasMore = last < end
        }
        return UpstreamPage(
            data: Array(window), firstID: window.first?["id"]?.stringValue, lastID: window.last?["id"]?.stringValue,
            hasMore: hasMore)
    }
}
