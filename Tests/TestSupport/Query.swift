/// The `name=value` pairs of a request's query string (a name without `=` maps to "").
public func queryParameters(_ query: Substring?) -> [String: String] {
    var result: [String: String] = [:]
    for pair in (query ?? "").split(separator: "&") {
        let parts = pair.split(separator: "=", maxSplits: 1)
        result[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
    }
    return result
}
