import EventLoop
import Testing
import TestSupport
@testable import UpstreamHTTP

extension UpstreamSocketTests {
    /// Against a real nginx over TLS: certificate verification and HTTP/2 multiplexing.
    @Suite(.enabled(if: NginxTLS.isAvailable, "needs nginx, openssl and nginx's echo module"))
    struct TLS {
        /// Runs `body` with nginx and a client on a fresh loop, then stops both.
        private func withNginx(
            configuration: (NginxTLS) -> UpstreamHTTPConfiguration,
            _ body: (NginxTLS, UpstreamHTTPClient) async throws -> Void
        ) async throws {
            let nginx = try await onThread { try NginxTLS() }
            defer { nginx.stop() }
            let loop = try EventLoop.start(name: "tls-client")
            let client = UpstreamHTTPClient(loop: loop, configuration: configuration(nginx))
            var failure: (any Error)?
            do { try await body(nginx, client) } catch { failure = error }
            await client.shutdown()
            let stopped = try await stopLoops([loop])
            #expect(stopped.first?.closeStatus == 0)
            #expect(stopped.first?.forcedCloses == 0)
            if let failure { throw failure }
        }

        @Test func untrustedCertificateIsRefusedByDefault() async throws {
            try await withNginx(configuration: { _ in UpstreamHTTPConfiguration() }) { nginx, client in
                let error = await upstreamError {
                    try await client.execute(UpstreamRequest(url: "https://localhost:\(nginx.port)/hello"))
                }
                #expect(error?.code == .tlsFailed, "\(error.map { String(reflecting: $0) } ?? "no error")")
                #expect(error?.attempts == 1)  // TLS failures are not retried
                #expect(nginx.accessLog().isEmpty)
            }
        }

        @Test func trustedCertificateGivesHTTP2AndMultiplexes() async throws {
            try await withNginx(configuration: { UpstreamHTTPConfiguration(caBundlePath: $0.certificatePath) }) { nginx, client in
                let first = try await client.execute(UpstreamRequest(url: "https://localhost:\(nginx.port)/hello"))
                #expect(first.status == 200)
                #expect(first.httpVersion == "2")
                #expect(first.body == Array("hello".utf8))
                // Ten concurrent slow requests share the one HTTP/2 connection as streams.
                let results = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                    for i in 0..<10 {
                        let url = "https://localhost:\(nginx.port)/slow?i=\(i)"
                        group.addTask {
                            let response = try await client.execute(UpstreamRequest(url: url))
                            return (response.status, response.httpVersion)
                        }
                    }
                    return try await group.reduce(into: [(Int, String)]()) { $0.append($1) }
                }
                #expect(results.allSatisfy { $0 == (200, "2") })
                // nginx writes a request's log line after its response: the last may still be on its way.
                #expect(await eventually { nginx.accessLog().count == 11 })
                let log = nginx.accessLog()
                #expect(Set(log.map(\.connection)).count == 1, "connections: \(Set(log.map(\.connection)))")
                #expect(log.allSatisfy { $0.protocol == "HTTP/2.0" })
                // Multiplexed, not queued: nginx had several of the 200 ms requests in progress at
                // one moment (one after another, it would never have had more than one).
                let slow = log.filter { $0.uri.hasPrefix("/slow") }
                let mostAtOnce = slow.map { request in
                    slow.count { $0.startMillis <= request.startMillis && request.startMillis < $0.endMillis }
                }.max() ?? 0
                #expect(mostAtOnce > 1, "in progress (start, end): \(slow.map { ($0.startMillis, $0.endMillis) })")
            }
        }

        @Test func http1CanBeChosen() async throws {
            try await withNginx(configuration: {
                UpstreamHTTPConfiguration(caBundlePath: $0.certificatePath, preferHTTP2: false)
            }) { nginx, client in
                let response = try await client.execute(UpstreamRequest(url: "https://127.0.0.1:\(nginx.port)/hello"))
                #expect(response.status == 200)
                #expect(response.httpVersion == "1.1")
            }
        }
    }
}
