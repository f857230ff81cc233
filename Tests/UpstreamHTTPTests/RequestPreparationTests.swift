import Testing
@testable import UpstreamHTTP

@Suite struct RequestPreparationTests {
    let configuration = UpstreamHTTPConfiguration()

    @Test func clientHeadersAreAdded() throws {
        var request = UpstreamRequest(
            method: .post, url: "https://api.example.com/v1/threads", headers: ["X-Request-Id": "old", "Accept": "*/*"],
            body: Array("{}".utf8), requestID: "req-1", idempotencyKey: "key-1")
        request.headers.add(name: "X-Empty", value: "")
        let prepared = try PreparedRequest(request, configuration: configuration)
        #expect(prepared.headerLines == [
            "Accept: */*", "X-Empty;", "X-Request-Id: req-1", "Idempotency-Key: key-1", "User-Agent: threadgate",
            "Expect:", "Content-Type:",
        ])
        #expect(prepared.isHTTPS)
        #expect(prepared.requestID == "req-1")
        #expect(prepared.target == "POST https://api.example.com/v1/threads")
    }

    @Test func ownUserAgentAndContentTypeAreKept() throws {
        let request = UpstreamRequest(
            method: .put, url: "http://h/x", headers: ["user-agent": "me", "Content-Type": "application/json"], body: [1])
        let prepared = try PreparedRequest(request, configuration: configuration)
        #expect(prepared.headerLines == ["user-agent: me", "Content-Type: application/json", "Expect:"])
        #expect(prepared.timeouts == UpstreamTimeouts())
    }

    @Test(arguments: [
        ("X-Bad", "a\r\nInjected: 1"), ("X-Bad", "nul\u{0}"), ("Bad Name", "v"), ("Bad:Name", "v"), ("", "v"),
    ])
    func unsafeHeadersAreRefused(name: String, value: String) {
        #expect(throws: UpstreamHTTPError.self) {
            try PreparedRequest(UpstreamRequest(url: "http://h/", headers: UpstreamHeaders([(name, value)])), configuration: configuration)
        }
    }

    @Test func unsafeRequestIDAndMethodAreRefused() {
        #expect(throws: UpstreamHTTPError.self) {
            try PreparedRequest(UpstreamRequest(url: "http://h/", requestID: "id\nX: 1"), configuration: configuration)
        }
        #expect(throws: UpstreamHTTPError.self) {
            try PreparedRequest(UpstreamRequest(method: UpstreamMethod(rawValue: "GET /x"), url: "http://h/"), configuration: configuration)
        }
        #expect(throws: UpstreamHTTPError.self) {
            try PreparedRequest(UpstreamRequest(url: "ftp://h/"), configuration: configuration)
        }
    }

    @Test func logTargetsCarryNoSecrets() {
        #expect(UpstreamRequest(url: "https://user:pw@api.example.com/v1/x?key=secret#frag").logTarget == "GET https://api.example.com/v1/x")
        #expect(UpstreamRequest(method: .delete, url: "http://h:8080/a/b").logTarget == "DELETE http://h:8080/a/b")
    }

    @Test func descriptionsRedactCredentials() {
        let headers: UpstreamHeaders = ["Authorization": "Bearer sk-1", "Content-Type": "application/json", "api-key": "k"]
        #expect(headers.description == "Authorization: <redacted>\nContent-Type: application/json\napi-key: <redacted>")
        let error = UpstreamHTTPError(.connectFailed, curlCode: 7, attempts: 3, target: "GET https://h/v1", detail: "Failed to connect to h port 443")
        #expect(error.description == "upstream connection failed (curl 7)")
        #expect(String(reflecting: error) == "upstream connection failed (curl 7); attempts=3; GET https://h/v1; Failed to connect to h port 443")
        #expect(UpstreamHTTPError(.stalled).isTimeout)
        #expect(!UpstreamHTTPError(.connectFailed).isTimeout)
    }
}
