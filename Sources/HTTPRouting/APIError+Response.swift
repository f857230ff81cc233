public import HTTP1
public import JSON

extension APIError {
    /// The error body: `{"error":{"message","type","param","code"}}`, all four keys present.
    public var body: JSONValue {
        [
            "error": [
                "message": .string(message),
                "type": .string(type.rawValue),
                "param": param.map(JSONValue.string) ?? .null,
                "code": code.map { .string($0.rawValue) } ?? .null,
            ]
        ]
    }

    /// The response: ``status``, `content-type: application/json`, ``headers`` and ``body``.
    public func response() -> HTTPResponse {
        .json(body, status: status, headers: headers)
    }
}
