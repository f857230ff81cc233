public import HTTP1
public import JSON

extension APIError {
    /// The error body: `{"error":{"message","type","param","code"}}`, all four keys present,
    /// then any ``details`` (such as `active_run_id`).
    public var body: JSONValue {
        var error: JSONObject = [
            "message": .string(message),
            "type": .string(type.rawValue),
            "param": param.map(JSONValue.string) ?? .null,
            "code": code.map { .string($0.rawValue) } ?? .null,
        ]
        for (key, value) in details where error[key] == nil { error[key] = value }
        return ["error": .object(error)]
    }

    /// The response: ``status``, `content-type: application/json`, ``headers`` and ``body``.
    public func response() -> HTTPResponse {
        .json(body, status: status, headers: headers)
    }
}
