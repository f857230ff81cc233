import EventLoop
import Testing
import TestSupport
@testable import UpstreamHTTP

#if canImport(Glibc)
import Glibc
#endif

extension UpstreamSocketTests {
    /// The peer server stands in for a forward proxy: it logs the absolute-form targets (and
    /// CONNECT requests) a proxied client sends it.
    @Suite struct Proxies {
        @Test func environmentProxyAndNoProxyAreHonoured() async throws {
            try await withPeer(configuration: UpstreamHTTPConfiguration(retryPolicy: .none)) { peer in
                let proxy = "http://127.0.0.1:\(peer.port)"
                let (viaProxy, direct, tunnel) = try await withEnvironment([
                    "http_proxy": proxy, "HTTPS_PROXY": proxy, "https_proxy": nil, "all_proxy": nil, "ALL_PROXY": nil,
                    "no_proxy": "127.0.0.1,localhost", "NO_PROXY": nil,
                ]) {
                    let viaProxy = try await peer.client.execute(UpstreamRequest(url: "http://upstream.invalid/v1/models?x=1"))
                    let direct = try await peer.client.execute(UpstreamRequest(url: peer.url("/json")))
                    let tunnel = await upstreamError {
                        try await peer.client.execute(UpstreamRequest(url: "https://secure.invalid/v1/models"))
                    }
                    return (viaProxy, direct, tunnel)
                }
                #expect(viaProxy.status == 404)  // the stand-in proxy has no such route
                #expect(direct.status == 200)
                // The https request asked the proxy for a tunnel; the stand-in refused it.
                #expect(tunnel?.code == .connectFailed, "\(tunnel.map { String(reflecting: $0) } ?? "no error")")
                let logged = await eventually(pollInterval: .milliseconds(5)) { peer.records.count >= 3 }
                #expect(logged)
                let seen = peer.records.map { "\($0.method) \($0.path)" }
                #expect(seen.contains("GET http://upstream.invalid/v1/models"), "\(seen)")
                #expect(seen.contains("GET /json"), "\(seen)")
                #expect(seen.contains { $0.hasPrefix("CONNECT ") && $0.contains("secure.invalid:443") }, "\(seen)")
            }
        }

        @Test func explicitProxyAndNone() async throws {
            try await withPeer { peer in
                let proxied = UpstreamHTTPClient(loop: peer.clientLoop, configuration: UpstreamHTTPConfiguration(
                    retryPolicy: .none, proxy: .url("http://127.0.0.1:\(peer.port)", noProxy: "direct.invalid")))
                let viaProxy = try await proxied.execute(UpstreamRequest(url: "http://named.invalid/a"))
                #expect(viaProxy.status == 404)
                let bypass = await upstreamError { try await proxied.execute(UpstreamRequest(url: "http://direct.invalid/b")) }
                #expect(bypass?.code == .connectFailed)  // not through the proxy, so the name does not resolve
                await proxied.shutdown()

                let direct = UpstreamHTTPClient(loop: peer.clientLoop, configuration: UpstreamHTTPConfiguration(proxy: .none))
                let response = try await withEnvironment(["http_proxy": "http://127.0.0.1:1"]) {
                    try await direct.execute(UpstreamRequest(url: peer.url("/json")))
                }
                #expect(response.status == 200)
                await direct.shutdown()
                let seen = peer.records.map(\.path)
                #expect(seen.contains("http://named.invalid/a"), "\(seen)")
                #expect(!seen.contains { $0.contains("direct.invalid") }, "\(seen)")
            }
        }
    }
}

/// Sets (or, for nil, removes) environment variables around `body`, then restores them.
/// Tests in this process that run meanwhile see them too: keep `body` short.
func withEnvironment<T>(_ variables: [String: String?], _ body: () async throws -> T) async rethrows -> T {
    var saved: [String: String?] = [:]
    for (name, value) in variables {
        saved[name] = getenv(name).map { String(cString: $0) }
        if let value { setenv(name, value, 1) } else { unsetenv(name) }
    }
    defer {
        for (name, value) in saved {
            if let value { setenv(name, value, 1) } else { unsetenv(name) }
        }
    }
    return try await body()
}
