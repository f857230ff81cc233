import Auth
import DatabaseTestSupport
import Foundation
import JSON
import Simulator
import Testing
import TestSupport
import UpstreamAPI

/// Who may call what: tokens, other users' ids, admin routes, and upstream failures as the
/// client sees them.
@Suite(.enabled(if: databaseTestsEnabled), .serialized)
struct GatewayAccessTests {
    /// Every frontend route with alice's ids filled in.
    static func frontendRoutes(thread: String, message: String, run: String, step: String) -> [(String, String, JSONValue?)] {
        [
            ("GET", "/v1/threads/\(thread)", nil),
            ("POST", "/v1/threads/\(thread)", ["metadata": ["a": "b"]]),
            ("DELETE", "/v1/threads/\(thread)", nil),
            ("POST", "/v1/threads/\(thread)/messages", ["role": "user", "content": "hi"]),
            ("GET", "/v1/threads/\(thread)/messages", nil),
            ("GET", "/v1/threads/\(thread)/messages/\(message)", nil),
            ("POST", "/v1/threads/\(thread)/runs", [:]),
            ("GET", "/v1/threads/\(thread)/runs", nil),
            ("GET", "/v1/threads/\(thread)/runs/\(run)", nil),
            ("POST", "/v1/threads/\(thread)/runs/\(run)/cancel", nil),
            ("POST", "/v1/threads/\(thread)/runs/\(run)/submit_tool_outputs", ["tool_outputs": []]),
            ("GET", "/v1/threads/\(thread)/runs/\(run)/steps", nil),
            ("GET", "/v1/threads/\(thread)/runs/\(run)/steps/\(step)", nil),
        ]
    }

    static let adminRoutes: [(String, String, JSONValue?)] = [
        ("GET", "/admin/v1/users", nil),
        ("GET", "/admin/v1/users/alice/threads", nil),
        ("GET", "/admin/v1/users/alice/usage", nil),
        ("DELETE", "/admin/v1/users/alice", nil),
        ("GET", "/admin/v1/threads/thr_x", nil),
        ("GET", "/admin/v1/threads/thr_x/messages", nil),
        ("POST", "/admin/v1/threads/thr_x/migrate", nil),
        ("POST", "/admin/v1/assistants", ["model": "gpt-4o"]),
        ("GET", "/admin/v1/assistants", nil),
        ("GET", "/admin/v1/assistants/asst_default", nil),
        ("POST", "/admin/v1/assistants/asst_default", ["name": "x"]),
        ("DELETE", "/admin/v1/assistants/asst_default", nil),
    ]

    /// Alice's thread with one completed run; returns (thread, message, run, step).
    static func aliceThread(_ stack: GatewayStack, _ alice: String) async throws -> (String, String, String, String) {
        let thread = try #require(try await stack.object("POST", "/v1/threads", token: alice, json: [:])["id"]?.stringValue)
        let message = try #require(
            try await stack.object("POST", "/v1/threads/\(thread)/messages", token: alice, json: ["role": "user", "content": "x"])["id"]?
                .stringValue)
        let run = try #require(try await stack.object("POST", "/v1/threads/\(thread)/runs", token: alice, json: [:])["id"]?.stringValue)
        _ = try await pollRun(stack, token: alice, thread: thread, run: run)
        let steps = try await stack.object("GET", "/v1/threads/\(thread)/runs/\(run)/steps", token: alice)
        let step = try #require(steps["data"]?[0]?["id"]?.stringValue)
        return (thread, message, run, step)
    }

    @Test(arguments: DialectKind.allCases) func anotherUsersIdsAnswerLikeUnknownOnes(dialect: DialectKind) async throws {
        try await withGatewayStack(dialect: dialect) { stack in
            let alice = try stack.token("alice")
            let bob = try stack.token("bob")
            let (thread, message, run, step) = try await Self.aliceThread(stack, alice)
            for (method, path, body) in Self.frontendRoutes(thread: thread, message: message, run: run, step: step) {
                let asBob = try await stack.call(method, path, token: bob, json: body)
                #expect(asBob.status == 404, "\(method) \(path) as bob: \(asBob.text)")
                let unknownPath = path.replacingOccurrences(of: thread, with: "thr_doesnotexist000000000000")
                let unknown = try await stack.call(method, unknownPath, token: alice, json: body)
                #expect(unknown.status == 404, "\(method) \(unknownPath): \(unknown.text)")
                // Same shape and wording apart from the id: nothing tells the two apart.
                #expect(
                    asBob.text.replacingOccurrences(of: thread, with: "ID")
                        == unknown.text.replacingOccurrences(of: "thr_doesnotexist000000000000", with: "ID"))
            }
            // A message or run id of another thread of alice's own is not found through this one.
            let other = try #require(try await stack.object("POST", "/v1/threads", token: alice, json: [:])["id"]?.stringValue)
            #expect(try await stack.call("GET", "/v1/threads/\(other)/messages/\(message)", token: alice).status == 404)
            #expect(try await stack.call("GET", "/v1/threads/\(other)/runs/\(run)", token: alice).status == 404)
            // Alice's thread is untouched and bob's list is empty.
            #expect(try await stack.call("GET", "/v1/threads/\(thread)", token: alice).status == 200)
            let bobs = try await stack.object("GET", "/v1/threads", token: bob)
            #expect(bobs["data"]?.arrayValue?.isEmpty == true)
        }
    }

    @Test func missingAndBadTokensAre401WithAChallenge() async throws {
        try await withGatewayStack(environment: ["AUTH_ISSUER": "https://issuer.test", "AUTH_AUDIENCE": "threadgate-app"]) { stack in
            let good = try stack.token("alice")
            #expect(try await stack.call("GET", "/v1/threads", token: good).status == 200)

            var otherIssuer = stack.auth
            otherIssuer.issuer = "https://elsewhere.test"
            var otherAudience = stack.auth
            otherAudience.audience = "another-app"
            var otherSecret = stack.auth
            otherSecret.hmacSecret = "a-different-secret-of-enough-length-0123456789"
            let past = AuthClock { AuthClock.system.now() - 7200 }
            let tokens: [(String?, String)] = [
                (nil, "missing_token"),
                ("not-a-jwt", "malformed"),
                (try TokenMinter.mintHS256(subject: "alice", admin: false, ttl: .seconds(60), configuration: stack.auth, clock: past), "expired"),
                (try TokenMinter.mintHS256(subject: "alice", admin: false, ttl: .seconds(600), configuration: otherIssuer), "wrong_issuer"),
                (try TokenMinter.mintHS256(subject: "alice", admin: false, ttl: .seconds(600), configuration: otherAudience), "wrong_audience"),
                (try TokenMinter.mintHS256(subject: "alice", admin: false, ttl: .seconds(600), configuration: otherSecret), "bad_signature"),
                (unsignedToken(subject: "alice", issuer: "https://issuer.test", audience: "threadgate-app"), "disallowed_algorithm"),
            ]
            for (token, code) in tokens {
                for path in ["/v1/threads", "/admin/v1/users"] {
                    let response = try await stack.call("GET", path, token: token)
                    #expect(response.status == 401, "\(code) on \(path): \(response.text)")
                    #expect(response[header: "www-authenticate"]?.hasPrefix("Bearer") == true)
                    #expect(try response.json()["error"]?["code"] == .string(code), "\(response.text)")
                    if let token { #expect(!response.text.contains(token)) }
                }
            }
            // Refused tokens create no user.
            #expect(try await rowCount(stack, "users") == 1)
        }
    }

    @Test func hs256TokenIsRefusedWhenOnlyAnRSAKeyIsConfigured() async throws {
        let directory = NSTemporaryDirectory() + randomName("jwks-")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let jwks = "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"rsa-1\",\"alg\":\"RS256\",\"use\":\"sig\",\"n\":\"ysPbRv9TwJY8fSlczXzR0mdX_Sn-Nnz5gcYASLje4PYdAe33qXOhgkiWkg_6BhdWB98BgE4k8mh1OlfCpkekMEbho9M8b_F6ObJBKs54IVagoi7US2P_6YhNKzxxd2sB-FVPsR6xkHmjWA_21tFDDr7akK7qOHkrdEuayj5J6e3dbk_YLVrUgExe2zKX0X1bgBPMkmk844z8ZqZIgLVvw-UlwHbJUxX49kpoJxj8c_eaJc2hnvhKBAvyAbfMWmBPp09RoQOhvdj4_3O2sNm9kqcn_EE3xMUG8qaO2wPIGr3BzWtlTGbYOrFtLfvedygNT0hC_W0PHA8IxQmlqqR33w\",\"e\":\"AQAB\"}]}"
        try Data(jwks.utf8).write(to: URL(fileURLWithPath: directory + "/jwks.json"))
        try await withGatewayStack(environment: ["AUTH_JWT_SECRET": "", "AUTH_JWKS_FILE": directory + "/jwks.json"]) { stack in
            var hmac = stack.auth
            hmac.hmacSecret = GatewayStack.secret
            let token = try TokenMinter.mintHS256(subject: "alice", admin: true, ttl: .seconds(600), configuration: hmac)
            let response = try await stack.call("GET", "/v1/threads", token: token)
            #expect(response.status == 401)
            #expect(try response.json()["error"]?["code"] == "disallowed_algorithm")
        }
    }

    @Test func adminRoutesNeedTheAdminRole() async throws {
        try await withGatewayStack { stack in
            let alice = try stack.token("alice")
            _ = try await stack.object("POST", "/v1/threads", token: alice, json: [:])
            for (method, path, body) in Self.adminRoutes {
                let response = try await stack.call(method, path, token: alice, json: body)
                #expect(response.status == 403, "\(method) \(path): \(response.text)")
                #expect(try response.json()["error"]?["type"] == "permission_error")
                let anonymous = try await stack.call(method, path, token: nil, json: body)
                #expect(anonymous.status == 401, "\(method) \(path) without a token")
            }
            // Nothing was deleted by the refused calls.
            let threads = try await stack.object("GET", "/admin/v1/users/alice/threads", token: try stack.token("root", admin: true))
            #expect(threads["data"]?.arrayValue?.count == 1)
        }
    }

    @Test func upstreamFailuresMapToGatewayStatuses() async throws {
        // A wrong upstream key is the gateway's problem, not the client's: 502, and the key never shows.
        try await withGatewayStack(environment: ["UPSTREAM_API_KEY": "sk-wrong-key-never-shown"]) { stack in
            let response = try await stack.call("POST", "/v1/threads", token: try stack.token("alice"), json: [:])
            #expect(response.status == 502)
            #expect(!response.text.contains("sk-wrong"))
            #expect(try await rowCount(stack, "threads") == 0)
        }
        // The upstream rate-limits: 429 with its Retry-After; it fails: 502 (GETs after retries).
        var limited = FaultSettings()
        limited.rateLimitRate = 1
        limited.retryAfterSeconds = 7
        try await withGatewayStack(faults: limited) { stack in
            let response = try await stack.call("POST", "/v1/threads", token: try stack.token("alice"), json: [:])
            #expect(response.status == 429, "\(response.text)")
            #expect(response[header: "retry-after"] == "7")
            #expect(try response.json()["error"]?["type"] == "rate_limit_error")
        }
        var failing = FaultSettings()
        failing.errorRate = 1
        try await withGatewayStack(faults: failing) { stack in
            let token = try stack.token("alice")
            let create = try await stack.call("POST", "/v1/threads", token: token, json: [:])
            #expect(create.status == 502)
            let list = try await stack.call("GET", "/v1/assistants", token: token)
            #expect(list.status == 502)
            #expect(stack.simulator.stats.requests(withStatus: 500) + stack.simulator.stats.requests(withStatus: 502)
                + stack.simulator.stats.requests(withStatus: 503) > 2, "the GET was retried, the POST was not")
        }
        // Nothing listening upstream: 502, with no host or port in the body.
        let closed = closedPort()
        try await withGatewayStack(environment: ["UPSTREAM_BASE_URL": "http://127.0.0.1:\(closed)/v1"]) { stack in
            let response = try await stack.call("POST", "/v1/threads", token: try stack.token("alice"), json: [:])
            #expect(response.status == 502)
            #expect(try response.json()["error"]?["code"] == "upstream_error")
            #expect(!response.text.contains("\(closed)") && !response.text.contains("127.0.0.1"))
        }
    }
}

/// An `alg: none` token with the given claims and an empty signature.
func unsignedToken(subject: String, issuer: String, audience: String) -> String {
    let header: JSONValue = ["alg": "none", "typ": "JWT"]
    let payload: JSONValue = [
        "sub": .string(subject), "iss": .string(issuer), "aud": .string(audience), "exp": .int(Int64(AuthClock.system.now()) + 600),
        "roles": ["admin"],
    ]
    return base64URL(header.serialized()) + "." + base64URL(payload.serialized()) + "."
}

func base64URL(_ bytes: [UInt8]) -> String {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    var output = ""
    var index = 0
    while index < bytes.count {
        let chunk = Array(bytes[index..<min(index + 3, bytes.count)])
        let value = (UInt32(chunk[0]) << 16) | (chunk.count > 1 ? UInt32(chunk[1]) << 8 : 0) | (chunk.count > 2 ? UInt32(chunk[2]) : 0)
        for position in 0..<(chunk.count + 1) {
            output.append(alphabet[Int((value >> UInt32(18 - 6 * position)) & 63)])
        }
        index += 3
    }
    return output
}
