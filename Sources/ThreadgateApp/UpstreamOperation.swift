/// The `operation` label of upstream metrics: the method and the path below the configured
/// base URL with every segment that is not a known literal replaced by `{id}`, so ids never
/// become label values: `GET http://up/v1/threads/thread_1/runs/run_2` → `GET /threads/{id}/runs/{id}`.
enum UpstreamOperation {
    /// Path words of the Assistants v2 and Responses + Conversations APIs. Anything else is an id.
    static let literals: Set<Substring> = [
        "assistants", "threads", "messages", "runs", "steps", "cancel", "submit_tool_outputs", "files", "content",
        "responses", "conversations", "items", "input_items", "input_tokens", "models", "vector_stores",
        "file_batches", "uploads", "parts", "complete", "chat", "completions", "embeddings",
    ]

    /// - Parameters:
    ///   - target: the attempt record's target, `METHOD URL` without query.
    ///   - basePath: the base URL's path (`/v1`), removed from the front.
    static func name(target: String, basePath: Substring) -> String {
        guard let space = target.firstIndex(of: " ") else { return "unknown" }
        let method = target[..<space]
        var url = target[target.index(after: space)...]
        url = afterScheme(url)
        var path = url.firstIndex(of: "/").map { url[$0...] } ?? "/"
        if let end = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = path[..<end] }
        if !basePath.isEmpty, path.hasPrefix(basePath) {
            let rest = path.dropFirst(basePath.count)
            if rest.isEmpty || rest.hasPrefix("/") { path = rest }
        }
        var name = String(method) + " "
        var wroteSegment = false
        for segment in path.split(separator: "/", omittingEmptySubsequences: true) {
            name += "/"
            name += literals.contains(segment) ? String(segment) : "{id}"
            wroteSegment = true
        }
        if !wroteSegment { name += "/" }
        return name
    }

    /// The path of `baseURL` without a trailing slash: `https://api.example.com/v1/` → `/v1`.
    static func basePath(of baseURL: String?) -> Substring {
        guard let baseURL else { return "" }
        var rest = Substring(baseURL)
        rest = afterScheme(rest)
        guard let slash = rest.firstIndex(of: "/") else { return "" }
        var path = rest[slash...]
        if let end = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = path[..<end] }
        while path.hasSuffix("/") { path = path.dropLast() }
        return path
    }

    /// `url` after its `scheme://`, or all of it when it has none.
    private static func afterScheme(_ url: Substring) -> Substring {
        var index = url.startIndex
        while index < url.endIndex {
            if url[index...].hasPrefix("://") { return url[url.index(index, offsetBy: 3)...] }
            if url[index] == "/" { break }
            index = url.index(after: index)
        }
        return url
    }
}
