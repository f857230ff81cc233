import HTTP1

/// Matching a still-encoded path against the trie.
///
/// The path is split on `/`. It must start with `/`; an empty segment (`//`) matches nothing;
/// one trailing `/` is ignored (`/v1/threads/` is `/v1/threads`; `/` is the root). At each
/// position a literal segment is tried before a parameter, and a failed branch backtracks,
/// so `/a/b/d` still matches `/a/{x}/d` when `/a/b/c` is also registered.
struct PathMatcher {
    let path: UnsafeBufferPointer<UInt8>

    /// The first route (literal-first order) matching the path and answering `method`, with
    /// the byte ranges of its parameter segments appended to `parameters`.
    func find(_ method: HTTPMethod, in node: RouteNode, at position: Int, parameters: inout [Range<Int>]) -> Route? {
        guard let segment = nextSegment(at: position) else {
            return node.route(for: method)
        }
        guard !segment.isEmpty else { return nil }
        if let index = node.literalIndex(matching: UnsafeBufferPointer(rebasing: path[segment])),
            let route = find(method, in: node.literalNodes[index], at: segment.upperBound, parameters: &parameters)
        {
            return route
        }
        if let child = node.parameter {
            parameters.append(segment)
            if let route = find(method, in: child, at: segment.upperBound, parameters: &parameters) {
                return route
            }
            parameters.removeLast()
        }
        return nil
    }

    /// Every method answered by any route matching the path, in first-seen order.
    func allowedMethods(in node: RouteNode, at position: Int, into methods: inout [HTTPMethod]) {
        guard let segment = nextSegment(at: position) else {
            for method in node.allowedMethods where !methods.contains(method) { methods.append(method) }
            return
        }
        guard !segment.isEmpty else { return }
        if let index = node.literalIndex(matching: UnsafeBufferPointer(rebasing: path[segment])) {
            allowedMethods(in: node.literalNodes[index], at: segment.upperBound, into: &methods)
        }
        if let child = node.parameter {
            allowedMethods(in: child, at: segment.upperBound, into: &methods)
        }
    }

    /// The byte range of the segment after the `/` at `position`, or nil at the end of the
    /// path (including a single trailing `/`).
    private func nextSegment(at position: Int) -> Range<Int>? {
        let start = position + 1
        guard start < path.count else { return nil }
        var end = start
        while end < path.count, path[end] != UInt8(ascii: "/") { end += 1 }
        return start..<end
    }
}
