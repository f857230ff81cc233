public import JSON

extension RoutedRequest {
    /// Parses the body as JSON.
    ///
    /// - Throws: 400 `missing_body` when the body is empty or only whitespace; 400
    ///   `invalid_json` when it does not parse (the message names the problem and byte offset).
    public func decodeJSONBody() throws(APIError) -> JSONValue {
        let body = request.body
        guard body.contains(where: { !Self.isJSONWhitespace($0) }) else {
            throw APIError.badRequest(code: .missingBody, message: "The request body is empty; expected JSON.")
        }
        do {
            return try JSONValue(parsing: body)
        } catch {
            throw APIError.badRequest(
                code: .invalidJSON, message: "The request body is not valid JSON: \(error.description).")
        }
    }

    /// Parses the body as a JSON object.
    ///
    /// ```swift
    /// let body = try request.decodeJSONObject()
    /// let content = try body.requiredString("content")
    /// ```
    /// - Throws: as ``decodeJSONBody()``, and 400 `invalid_body` when the JSON is not an object.
    public func decodeJSONObject() throws(APIError) -> JSONObject {
        let value = try decodeJSONBody()
        guard let object = value.objectValue else {
            throw APIError.badRequest(
                code: .invalidBody, message: "The request body must be a JSON object, not \(value.typeName).")
        }
        return object
    }

    private static func isJSONWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
    }
}
