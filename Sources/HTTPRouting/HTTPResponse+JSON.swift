public import HTTP1
public import JSON

extension HTTPResponse {
    /// A response whose body is `value` serialized, with `content-type: application/json`.
    ///
    /// ```swift
    /// return .json(["id": .string(thread.id), "object": "thread"], status: .created)
    /// ```
    public static func json(_ value: JSONValue, status: HTTPStatus = .ok, headers: HTTPHeaders = [:]) -> HTTPResponse {
        .json(bytes: value.serialized(), status: status, headers: headers)
    }

    /// A response whose body is already-serialized JSON, with `content-type: application/json`
    /// unless `headers` names another content type.
    ///
    /// Build fixed responses once and return the same value on every request:
    /// ```swift
    /// static let healthy = HTTPResponse.json(bytes: Array(#"{"status":"ok"}"#.utf8))
    /// ```
    public static func json(bytes: [UInt8], status: HTTPStatus = .ok, headers: HTTPHeaders = [:]) -> HTTPResponse {
        var allHeaders = headers
        if !allHeaders.contains("content-type") {
            allHeaders.add(name: "content-type", value: "application/json")
        }
        return HTTPResponse(status: status, headers: allHeaders, body: .bytes(bytes))
    }
}
