import JSON

/// A compact JWS taken from an `Authorization` header and decoded, not yet verified.
struct BearerToken {
    /// The token as received (what the signature and the cache see).
    let text: String
    /// The protected header: `alg`, `kid`, … .
    let header: JSONObject
    /// The claims.
    let claims: JSONObject

    /// Tokens longer than this are refused before any decoding.
    static let maximumLength = 8192

    var algorithm: String { header["alg"]?.stringValue ?? "" }
    var keyID: String? { header["kid"]?.stringValue }

    /// The token in `Authorization: Bearer <token>` (scheme case-insensitive, RFC 6750 §2.1).
    static func extract(fromAuthorization value: String?) throws(AuthError) -> String {
        guard let value, !value.trimmingSpaces.isEmpty else {
            throw AuthError(.missingToken, "a bearer token is required")
        }
        let trimmed = value.trimmingSpaces
        let scheme = trimmed.prefix { $0 != " " && $0 != "\t" }
        guard scheme.lowercased() == "bearer" else {
            throw .malformed("the Authorization header must use the Bearer scheme")
        }
        let token = trimmed[scheme.endIndex...].drop { $0 == " " || $0 == "\t" }
        guard !token.isEmpty else { throw .malformed("the Authorization header has no bearer token") }
        return String(token)
    }

    /// Splits and decodes `text`. Checks the shape only: three base64url segments, JSON
    /// objects in the first two, a string `alg`, no `crit` extensions.
    init(_ text: String) throws(AuthError) {
        let bytes = Array(text.utf8)
        guard bytes.count <= Self.maximumLength else {
            throw .malformed("the bearer token is too long", detail: "\(bytes.count) bytes")
        }
        let segments = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard segments.count == 3 else {
            throw .malformed("the bearer token is not a JWT", detail: "\(segments.count) segments")
        }
        self.text = text
        header = try Self.decodeObject(segments[0], part: "header")
        claims = try Self.decodeObject(segments[1], part: "payload")
        guard header["alg"]?.stringValue != nil else { throw .malformed(detail: "the header has no alg") }
        if header["crit"] != nil {
            throw .malformed("the token requires unsupported header extensions", detail: "crit present")
        }
    }

    private static func decodeObject(_ segment: ArraySlice<UInt8>, part: String) throws(AuthError) -> JSONObject {
        guard !segment.isEmpty, let json = Base64URL.decode(segment) else {
            throw .malformed(detail: "the \(part) is not base64url")
        }
        let value: JSONValue
        do {
            value = try JSONValue(parsing: json)
        } catch {
            throw .malformed(detail: "the \(part) is not JSON: \(error)")
        }
        guard let object = value.objectValue else { throw .malformed(detail: "the \(part) is not a JSON object") }
        return object
    }
}
