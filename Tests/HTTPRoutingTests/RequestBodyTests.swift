import HTTP1
import HTTPRouting
import JSON
import Testing

@Suite struct RequestBodyTests {
    func routed(body: String) throws(APIError) -> RoutedRequest {
        try RoutedRequest(request(.post, "/x", body: body))
    }

    func code(_ body: String, object: Bool = false) -> String? {
        do {
            let request = try routed(body: body)
            if object { _ = try request.decodeJSONObject() } else { _ = try request.decodeJSONBody() }
            return nil
        } catch {
            return error.code?.rawValue
        }
    }

    @Test func decodesValidJSON() throws {
        #expect(try routed(body: #"{"content":"hi"}"#).decodeJSONObject()["content"] == "hi")
        #expect(try routed(body: "[1]").decodeJSONBody() == [1])
    }

    @Test func emptyOrBlankBodyIsMissingBody() {
        #expect(code("") == "missing_body")
        #expect(code(" \r\n\t") == "missing_body")
    }

    @Test func invalidJSONNamesTheOffset() throws {
        #expect(code("{\"a\":}") == "invalid_json")
        do {
            _ = try routed(body: "{\"a\":}").decodeJSONBody()
        } catch {
            #expect(error.message == "The request body is not valid JSON: unexpected character at byte 5.")
            #expect(error.status == .badRequest)
        }
    }

    @Test func nonObjectIsInvalidBody() throws {
        #expect(code("[1]", object: true) == "invalid_body")
        #expect(code("\"s\"", object: true) == "invalid_body")
        do {
            _ = try routed(body: "[]").decodeJSONObject()
        } catch {
            #expect(error.message == "The request body must be a JSON object, not array.")
        }
    }

    @Test func fieldHelpers() throws {
        let body: JSONObject = ["content": "hi", "wait_ms": 1500, "stream": true, "metadata": ["k": "v"], "nothing": nil]
        #expect(try body.requiredString("content") == "hi")
        #expect(try body.optionalString("nothing") == nil)
        #expect(try body.optionalInt("wait_ms", range: 0...60_000) == 1500)
        #expect(try body.optionalBool("stream") == true)
        #expect(try body.optionalObject("metadata") == ["k": "v"])
        #expect(try body.optionalObject("absent") == nil)

        #expect { try body.requiredString("absent") } throws: { error in
            let error = error as? APIError
            return error?.code == .missingParameter && error?.param == "absent"
                && error?.message == "Missing required parameter: 'absent'."
        }
        #expect { try body.requiredString("wait_ms") } throws: { error in
            (error as? APIError)?.message == "Invalid type for 'wait_ms': expected a string, but got number instead."
        }
        #expect(throws: APIError.self) { try body.optionalInt("wait_ms", range: 0...1000) }
        #expect(throws: APIError.self) { try body.optionalInt("content", range: 0...1000) }
        #expect(throws: APIError.self) { try body.optionalBool("content") }
        #expect(throws: APIError.self) { try body.optionalObject("content") }
    }
}
