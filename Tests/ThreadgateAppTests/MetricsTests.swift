import DatabaseTestSupport
import JSON
import Metrics
import Testing
import TestSupport
@testable import ThreadgateApp

/// `GET /metrics` end to end: strict Prometheus text, counters that move with traffic, route
/// and operation labels without ids, and the `METRICS_TOKEN` guard.
@Suite(.enabled(if: databaseTestsEnabled), .timeLimit(.minutes(1)))
struct MetricsTests {
    static func scrape(_ stack: GatewayStack) async throws -> PrometheusText {
        let response = try await stack.call("GET", "/metrics", token: nil)
        #expect(response.status == 200, "\(response.text)")
        #expect(response[header: "content-type"] == MetricsRoutes.contentType)
        return try PrometheusText(parsing: response.text)
    }

    /// `label` without its `{name}` placeholders.
    static func withoutPlaceholders(_ label: String) -> String {
        var out = ""
        var inside = false
        for character in label {
            if character == "{" { inside = true } else if character == "}" { inside = false } else if !inside { out.append(character) }
        }
        return out
    }

    @Test func countersMoveWithTrafficUnderRouteTemplates() async throws {
        try await withGatewayStack { stack in
            let before = try await Self.scrape(stack)
            #expect(before.types["threadgate_http_open_connections"] == "gauge")
            #expect(before.types["threadgate_db_pool_connections"] == "gauge")
            #expect(before.types["threadgate_db_pool_waiters"] == "gauge")
            #expect(before.types["threadgate_db_query_duration_seconds"] == "histogram")
            #expect(before.value("threadgate_build_info", ["version": ThreadgateVersion.current]) == 1)
            #expect(before.value("threadgate_http_open_connections").map { $0 >= 1 } == true, "the scrape's own connection")

            let health = ["route": "GET /healthz", "method": "GET", "status": "200"]
            let healthBefore = before.value("threadgate_http_requests_total", health) ?? 0
            for _ in 0..<3 { _ = try await get("/healthz", port: stack.port) }

            let alice = try stack.token("alice")
            let created = try await stack.object("POST", "/v1/threads", token: alice, json: ["metadata": [:]])
            let id = try #require(created["id"]?.stringValue)
            _ = try await stack.object("GET", "/v1/threads/\(id)", token: alice)
            _ = try await stack.object(
                "POST", "/v1/threads/\(id)/messages", token: alice, json: ["role": "user", "content": "hi"])
            _ = try await stack.object("GET", "/v1/threads/\(id)/messages", token: alice)
            #expect(try await stack.call("GET", "/v1/threads/thr_doesnotexist42", token: alice).status == 404)
            #expect(try await get("/no/such/path/abc123", port: stack.port).status == 404)

            let after = try await Self.scrape(stack)
            #expect(after.types["threadgate_http_requests_total"] == "counter")
            #expect(after.types["threadgate_http_request_duration_seconds"] == "histogram")
            #expect(after.types["threadgate_upstream_requests_total"] == "counter")
            #expect(after.types["threadgate_upstream_request_duration_seconds"] == "histogram")
            #expect(after.help["threadgate_http_requests_total"] != nil)
            #expect(after.value("threadgate_http_requests_total", health) == healthBefore + 3)
            #expect(
                after.value("threadgate_http_request_duration_seconds_count", ["route": "GET /healthz", "method": "GET"])
                    .map { $0 >= healthBefore + 3 } == true)
            #expect(after.value("threadgate_http_requests_total", ["route": "GET /v1/threads/{thread_id}", "status": "200"]) == 1)
            #expect(after.value("threadgate_http_requests_total", ["route": "GET /v1/threads/{thread_id}", "status": "404"]) == 1)
            #expect(after.value("threadgate_http_requests_total", ["route": "unmatched", "status": "404"]) == 1)
            #expect(after.value("threadgate_upstream_requests_total", ["operation": "POST /threads", "status": "200"]) == 1)
            #expect(
                after.value("threadgate_upstream_requests_total", ["operation": "POST /threads/{id}/messages", "status": "200"]) == 1)
            #expect(
                after.value("threadgate_upstream_request_duration_seconds_count", ["operation": "GET /threads/{id}/messages"]) == 1)
            #expect(after.value("threadgate_db_query_duration_seconds_count").map { $0 > 0 } == true)
            #expect(after.value("threadgate_db_pool_connections", ["state": "idle"]).map { $0 >= 1 } == true)

            // No label value carries an id: routes are templates, operations use {id}.
            for sample in after.samples {
                for key in ["route", "operation"] {
                    guard let label = sample.labels[key] else { continue }
                    let value = Self.withoutPlaceholders(label)
                    for idLike in [id, "thr_", "thread_", "msg_", "run_", "abc123", "doesnotexist"] {
                        #expect(!value.contains(idLike), "\(sample)")
                    }
                }
            }
        }
    }

    @Test func anythingEmittedThroughSwiftMetricsIsExposed() async throws {
        try await withGatewayStack { stack in
            let label = "threadgate_test_emitter_\(randomName("").lowercased())_total"
            Counter(label: label, dimensions: [("outcome", "completed")]).increment(by: 2)
            Metrics.Timer(label: "threadgate_test_timer_seconds").recordMilliseconds(12)
            let scrape = try await Self.scrape(stack)
            #expect(scrape.types[label] == "counter")
            #expect(scrape.value(label, ["outcome": "completed"]) == 2)
            #expect(scrape.types["threadgate_test_timer_seconds"] == "histogram")
        }
    }
}

/// The guard and the exposition without a database.
@Suite(.timeLimit(.minutes(1)))
struct MetricsEndpointTests {
    @Test func metricsTokenIsRequiredWhenSet() async throws {
        let config = try testConfiguration(
            databaseURL: nil, environment: ["METRICS_TOKEN": "scrape-secret-123", "AUTH_JWT_SECRET": "jwt-secret-0123456789abcdef0123456789"])
        try await withGateway(config) { port in
            let none = try await get("/metrics", port: port)
            #expect(none.status == 401)
            #expect(none[header: "www-authenticate"]?.hasPrefix("Bearer") == true)
            #expect(try none.json()["error"]?["code"] == "unauthorized")
            let wrong = try await send("GET", "/metrics", port: port, headers: [("Authorization", "Bearer scrape-secret-124")])
            #expect(wrong.status == 401)
            let short = try await send("GET", "/metrics", port: port, headers: [("Authorization", "Bearer scrape")])
            #expect(short.status == 401)
            let jwt = try TokenMinterShortcut.token(secret: "jwt-secret-0123456789abcdef0123456789", user: "alice", admin: true)
            let user = try await send("GET", "/metrics", port: port, headers: [("Authorization", "Bearer \(jwt)")])
            #expect(user.status == 401, "an app token is not the metrics token")
            let right = try await send("GET", "/metrics", port: port, headers: [("Authorization", "Bearer scrape-secret-123")])
            #expect(right.status == 200)
            let text = try PrometheusText(parsing: right.text)
            #expect(text.value("threadgate_http_requests_total", ["route": "GET /metrics", "status": "401"]) == 4)
            #expect(!right.text.contains("scrape-secret"))
        }
    }

    @Test func withoutATokenMetricsAreOpenAndNeverPassTheJWTMiddleware() async throws {
        try await withGateway(try testConfiguration(databaseURL: nil)) { port in
            let response = try await get("/metrics", port: port)
            #expect(response.status == 200)
            let text = try PrometheusText(parsing: response.text)
            #expect(text.value("threadgate_db_pool_waiters") == 0)
            #expect(text.value("threadgate_db_pool_connections", ["state": "in_use"]) == 0)
        }
    }

    @Test func bearerComparison() {
        #expect(MetricsRoutes.authorized("Bearer abc", token: "abc"))
        #expect(MetricsRoutes.authorized("bearer abc", token: "abc"))
        #expect(!MetricsRoutes.authorized("Bearer abcd", token: "abc"))
        #expect(!MetricsRoutes.authorized("Bearer ab", token: "abc"))
        #expect(!MetricsRoutes.authorized("Basic abc", token: "abc"))
        #expect(!MetricsRoutes.authorized(nil, token: "abc"))
        #expect(!MetricsRoutes.authorized("Bearer ", token: "abc"))
    }

    @Test func upstreamOperationsReplaceIdsWithPlaceholders() {
        let base = UpstreamOperation.basePath(of: "http://127.0.0.1:9/v1/")
        #expect(base == "/v1")
        #expect(UpstreamOperation.name(target: "GET http://127.0.0.1:9/v1/threads/thread_a1/runs/run_b2", basePath: base) == "GET /threads/{id}/runs/{id}")
        #expect(UpstreamOperation.name(target: "POST http://127.0.0.1:9/v1/threads", basePath: base) == "POST /threads")
        #expect(
            UpstreamOperation.name(target: "POST https://h/v1/threads/t/runs/r/submit_tool_outputs", basePath: base)
                == "POST /threads/{id}/runs/{id}/submit_tool_outputs")
        #expect(UpstreamOperation.name(target: "GET https://h/v1/threads/t/messages?after=msg_1", basePath: base) == "GET /threads/{id}/messages")
        #expect(UpstreamOperation.name(target: "DELETE https://h/v1/conversations/conv_9", basePath: base) == "DELETE /conversations/{id}")
        #expect(UpstreamOperation.name(target: "GET https://h/v1", basePath: base) == "GET /")
        #expect(UpstreamOperation.name(target: "GET https://h/other/thing", basePath: base) == "GET /{id}/{id}")
        #expect(UpstreamOperation.basePath(of: "https://api.example.com") == "")
        #expect(UpstreamOperation.name(target: "GET https://api.example.com/threads/x", basePath: "") == "GET /threads/{id}")
    }

    @Test func theParserRejectsMalformedExpositions() {
        let bad = [
            "threadgate_x 1\n",  // no TYPE
            "# TYPE threadgate_x counter\nthreadgate_x{a=\"1\" 1\n",
            "# TYPE threadgate_x counter\nthreadgate_x{a=1} 1\n",
            "# TYPE threadgate_x counter\nthreadgate_x one\n",
            "# TYPE threadgate_x counter\n# TYPE threadgate_x counter\n",
            "# TYPE threadgate_x counter\nthreadgate_x 1\nthreadgate_x 2\n",
            "# TYPE threadgate_h histogram\nthreadgate_h_bucket{le=\"1\"} 2\nthreadgate_h_bucket{le=\"+Inf\"} 1\nthreadgate_h_count 1\n",
            "# TYPE threadgate_x counter\nthreadgate_x 1",
        ]
        for text in bad {
            #expect(throws: PrometheusText.FormatError.self, "\(text)") { try PrometheusText(parsing: text) }
        }
        let good = "# HELP threadgate_h A.\n# TYPE threadgate_h histogram\nthreadgate_h_bucket{le=\"1\"} 1\n"
            + "threadgate_h_bucket{le=\"+Inf\"} 2\nthreadgate_h_sum 3.5\nthreadgate_h_count 2\n"
        #expect(throws: Never.self) { try PrometheusText(parsing: good) }
    }
}
