import HTTP1
import HTTPRouting
import JSON
import Testing

@Suite struct QueryTests {
    func routed(_ target: String) throws(APIError) -> RoutedRequest {
        try RoutedRequest(request(.get, target))
    }

    @Test func parsesPairsInOrder() throws {
        let query = try QueryParameters(parsing: "limit=20&order=desc&after=msg_1&limit=5")
        #expect(query["limit"] == "20")
        #expect(query.values(for: "limit") == ["20", "5"])
        #expect(query["order"] == "desc")
        #expect(query["missing"] == nil)
        #expect(query.count == 4)
        #expect(query.map(\.name) == ["limit", "order", "after", "limit"])
    }

    @Test func decodesPercentAndPlus() throws {
        let query = try QueryParameters(parsing: "q=a+b%2Bc%20d&na%6De=%C3%A9&slash=%2F")
        #expect(query["q"] == "a b+c d")
        #expect(query["name"] == "é")
        #expect(query["slash"] == "/")
    }

    @Test func edgeCases() throws {
        let query = try QueryParameters(parsing: "&&flag&empty=&=novalue&a=b=c&&")
        #expect(query["flag"] == "")
        #expect(query.contains("flag"))
        #expect(query["empty"] == "")
        #expect(query[""] == "novalue")
        #expect(query["a"] == "b=c")
        #expect(query.count == 4)
        #expect(try QueryParameters(parsing: "").isEmpty)
    }

    @Test(arguments: ["a=%", "a=%4", "a=%GG", "%zz=1", "a=%FF", "a=%C3%28"])
    func malformedEscapesThrow(text: String) {
        #expect(throws: APIError.self) { try QueryParameters(parsing: Substring(text)) }
    }

    @Test func routedRequestParsesTargetQuery() throws {
        #expect(try routed("/x?limit=3").query["limit"] == "3")
        #expect(try routed("/x").query.isEmpty)
        #expect(try routed("/x?").query.isEmpty)
        #expect(throws: APIError.self) { try routed("/x?a=%") }
    }

    @Test func intQuery() throws {
        #expect(try routed("/x").intQuery("limit", range: 1...100, default: 20) == 20)
        #expect(try routed("/x?limit=100").intQuery("limit", range: 1...100, default: 20) == 100)
        #expect(try routed("/x?limit=1").intQuery("limit", range: 1...100, default: 20) == 1)
        #expect(try routed("/x").intQuery("limit", range: 1...100) == nil)
        for bad in ["0", "101", "", "abc", "1.5", "%201", "99999999999999999999", "-1"] {
            do {
                _ = try routed("/x?limit=\(bad)").intQuery("limit", range: 1...100, default: 20)
                Issue.record("accepted limit=\(bad)")
            } catch {
                #expect(error.status == .badRequest)
                #expect(error.code == .invalidParameter)
                #expect(error.param == "limit")
                #expect(error.message == "Invalid 'limit': expected an integer from 1 to 100.")
            }
        }
    }

    @Test func stringQuery() throws {
        #expect(try routed("/x").stringQuery("order", oneOf: ["asc", "desc"], default: "desc") == "desc")
        #expect(try routed("/x?order=asc").stringQuery("order", oneOf: ["asc", "desc"], default: "desc") == "asc")
        #expect {
            try routed("/x?order=up").stringQuery("order", oneOf: ["asc", "desc"], default: "desc")
        } throws: { error in
            (error as? APIError)?.param == "order" && (error as? APIError)?.code == .invalidParameter
        }
    }
}
