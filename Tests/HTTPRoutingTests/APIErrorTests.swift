import HTTP1
import HTTPRouting
import JSON
import Testing

@Suite struct APIErrorTests {
    /// Constructor result, expected status, type and code.
    static let cases: [(APIError, Int, String, String)] = [
        (.badRequest(message: "m"), 400, "invalid_request_error", "invalid_request"),
        (.badRequest(code: .invalidJSON, message: "m", param: "p"), 400, "invalid_request_error", "invalid_json"),
        (.missingParameter("content"), 400, "invalid_request_error", "missing_parameter"),
        (.invalidParameter("limit", message: "m"), 400, "invalid_request_error", "invalid_parameter"),
        (.notFound(), 404, "not_found_error", "not_found"),
        (.methodNotAllowed(allowed: [.get, .head]), 405, "invalid_request_error", "method_not_allowed"),
        (.unauthorized(), 401, "authentication_error", "unauthorized"),
        (.forbidden(), 403, "permission_error", "forbidden"),
        (.conflict(code: .init("thread_busy"), message: "busy"), 409, "invalid_request_error", "thread_busy"),
        (.payloadTooLarge(), 413, "invalid_request_error", "payload_too_large"),
        (.unprocessable(message: "m", param: "x"), 422, "invalid_request_error", "unprocessable_entity"),
        (.tooManyRequests(retryAfterSeconds: 3), 429, "rate_limit_error", "rate_limit_exceeded"),
        (.internal(debugDetail: "SELECT secret"), 500, "server_error", "internal_error"),
        (.badGateway(debugDetail: "upstream said x"), 502, "upstream_error", "upstream_error"),
        (.serviceUnavailable(retryAfter: 5), 503, "server_error", "service_unavailable"),
        (.gatewayTimeout(), 504, "upstream_error", "upstream_timeout"),
    ]

    @Test(arguments: cases.indices)
    func responseHasTheErrorShape(caseIndex: Int) throws {
        let (error, status, type, code) = Self.cases[caseIndex]
        let response = error.response()
        #expect(response.status.rawValue == status)
        #expect(response.headers["content-type"] == "application/json")

        let body = try JSONValue(parsing: response.bodyBytes)
        #expect(body.objectValue?.keys == ["error"])
        let inner = try #require(body["error"]?.objectValue)
        #expect(inner.keys == ["message", "type", "param", "code"])
        #expect(inner["type"] == .string(type))
        #expect(inner["code"] == .string(code))
        #expect(inner["message"]?.stringValue?.isEmpty == false)
        #expect(inner["param"] == (error.param.map(JSONValue.string) ?? .null))
        #expect(!response.bodyText.contains("secret"))
        #expect(!response.bodyText.contains("upstream said"))
    }

    @Test func extraHeaders() {
        #expect(APIError.methodNotAllowed(allowed: [.get, .post]).response().headers["allow"] == "GET, POST")
        #expect(APIError.unauthorized().response().headers["www-authenticate"] == "Bearer")
        #expect(APIError.unauthorized(challenge: nil).response().headers.contains("www-authenticate") == false)
        #expect(APIError.unauthorized(challenge: #"Bearer error="invalid_token""#).headers["www-authenticate"] == #"Bearer error="invalid_token""#)
        #expect(APIError.tooManyRequests(retryAfterSeconds: 3).response().headers["retry-after"] == "3")
        #expect(APIError.tooManyRequests().headers.contains("retry-after") == false)
        #expect(APIError.serviceUnavailable(retryAfter: 5).response().headers["retry-after"] == "5")
    }

    @Test func paramAndNullCode() throws {
        let error = APIError(status: .badRequest, type: .invalidRequest, code: nil, message: "m", param: "limit")
        let inner = try #require(JSONValue(parsing: error.response().bodyBytes)["error"])
        #expect(inner["param"] == "limit")
        #expect(inner["code"] == .null)
    }

    @Test func descriptionIsGenericDebugDescriptionHasDetail() {
        let error = APIError.internal(debugDetail: "connection to db.internal:5432 refused")
        #expect(error.description == "APIError(500, internal_error)")
        #expect(!"\(error)".contains("db.internal"))
        #expect(error.debugDescription.contains("db.internal:5432"))
        #expect(error.debugDetail == "connection to db.internal:5432 refused")
    }

    @Test func messagesAreEscaped() throws {
        let error = APIError.notFound(message: "No thread \"x\"\n")
        let body = try JSONValue(parsing: error.response().bodyBytes)
        #expect(body["error"]?["message"] == "No thread \"x\"\n")
    }
}
