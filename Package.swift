// swift-tools-version: 6.2
import PackageDescription

/// Settings every Swift target of threadgate shares: Swift 6 language mode, warnings are errors,
/// and C modules are imported `internal` unless a file says otherwise.
let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .treatAllWarnings(as: .error),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// The request path's modules skip runtime exclusivity checks in release builds (the compiler
/// still enforces exclusivity statically); debug and sanitizer builds keep them.
let hotPath: [SwiftSetting] = strict + [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "threadgate",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "threadgate", targets: ["threadgate"]),
        .executable(name: "threadgate-fuzz-http", targets: ["HTTPFuzz"]),
        .executable(name: "threadgate-bench", targets: ["ThreadgateBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        // Already in the graph through jwt-kit (same URL and range): HMAC for minting, SHA-256 for the cache.
        .package(url: "https://github.com/apple/swift-crypto.git", "4.1.0"..<"6.0.0"),
        // Metrics API (any module emits with `import Metrics`) and its Prometheus backend; neither
        // brings an event loop (swift-prometheus needs only swift-atomics and CoreMetrics).
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // C shims: a module map and a header each, nothing else.
        .systemLibrary(name: "CUV", pkgConfig: "libuv", providers: [.apt(["libuv1-dev"])]),
        .systemLibrary(name: "CPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // llhttp's C sources come from Debian's node-llhttp through committed symlinks.
        .target(
            name: "CLLHTTP",
            cSettings: [.unsafeFlags(["-Wno-everything"])]
        ),

        // Thin Swift wrappers: the only modules that import C.
        .target(name: "EventLoop", dependencies: ["CUV"], swiftSettings: hotPath),
        .target(name: "HTTP1", dependencies: ["EventLoop", "CLLHTTP", "CUV"], swiftSettings: hotPath),
        .target(name: "Postgres", dependencies: ["EventLoop", "CPQ"], swiftSettings: strict),
        .target(name: "UpstreamHTTP", dependencies: ["EventLoop", "CCurl"], swiftSettings: strict),
        // The gateway's one view of an upstream, whatever its dialect (protocol and neutral types).
        .target(name: "UpstreamAPI", dependencies: ["JSON"], swiftSettings: strict),
        // The Assistants v2 dialect: typed calls over the libcurl client, and its `UpstreamDialect`.
        .target(name: "AssistantsV2", dependencies: ["UpstreamHTTP", "UpstreamAPI", "JSON"], swiftSettings: strict),
        // The Responses + Conversations dialect: the same `UpstreamDialect` over OpenAI's successor API.
        .target(name: "ResponsesV1", dependencies: ["EventLoop", "UpstreamHTTP", "UpstreamAPI", "JSON"], swiftSettings: strict),

        // Domain-free building blocks above the wrappers.
        .target(name: "JSON", swiftSettings: strict),
        .target(name: "HTTPRouting", dependencies: ["HTTP1", "JSON"], swiftSettings: hotPath),

        // Identity: bearer JWTs (HS256 secret, RS256/ES256 JWKS file or URL) to a `Principal`.
        // It maps nothing to HTTP; the gateway turns `AuthError` into a response.
        .target(
            name: "Auth",
            dependencies: [
                "UpstreamHTTP", "EventLoop", "JSON",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),

        // The upstream simulator (Assistants v2 today): served by the project's own HTTP server.
        // It never imports the gateway, and the gateway never imports it.
        .target(name: "Simulator", dependencies: ["EventLoop", "HTTP1", "HTTPRouting", "JSON"], swiftSettings: strict),

        // The gateway domain: identity use, the store, the frontend and admin routes. It talks
        // to `UpstreamAPI`'s protocol only, never to one dialect or to the simulator.
        .target(
            name: "Gateway",
            dependencies: [
                "EventLoop", "HTTP1", "HTTPRouting", "JSON", "Postgres", "UpstreamAPI",
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        // The application: configuration, logging, the servers it runs.
        .target(
            name: "ThreadgateApp",
            dependencies: [
                "EventLoop", "HTTP1", "HTTPRouting", "JSON", "Simulator", "Postgres", "Auth", "Gateway", "UpstreamAPI",
                "AssistantsV2", "ResponsesV1", "UpstreamHTTP",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "threadgate",
            dependencies: [
                "ThreadgateApp",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        // Load generators for bench/ (the upstream client's throughput and CPU cost).
        .executableTarget(
            name: "ThreadgateBench",
            dependencies: [
                "UpstreamHTTP", "EventLoop",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        // libFuzzer driver over the request path; a no-op unless built by scripts/fuzz.sh.
        .executableTarget(
            name: "HTTPFuzz",
            dependencies: ["HTTP1", "HTTPRouting", "ThreadgateApp"],
            swiftSettings: strict
        ),

        // Helpers the test targets share (threads, polling, sockets); no module of threadgate.
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: strict),
        // A fresh PostgreSQL database per test, for the targets that test against one.
        .target(
            name: "DatabaseTestSupport",
            dependencies: ["Postgres", "EventLoop", "TestSupport"],
            path: "Tests/DatabaseTestSupport",
            swiftSettings: strict
        ),

        .testTarget(name: "EventLoopTests", dependencies: ["EventLoop", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "HTTP1Tests", dependencies: ["HTTP1", "EventLoop", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "PostgresTests",
            dependencies: ["Postgres", "EventLoop", "TestSupport", "DatabaseTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "UpstreamHTTPTests",
            dependencies: ["UpstreamHTTP", "EventLoop", "HTTP1", "TestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SimulatorTests",
            dependencies: ["Simulator", "EventLoop", "HTTP1", "HTTPRouting", "JSON", "UpstreamHTTP", "TestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "AssistantsV2Tests",
            dependencies: ["AssistantsV2", "Simulator", "UpstreamHTTP", "EventLoop", "HTTP1", "JSON", "TestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ResponsesV1Tests",
            dependencies: ["ResponsesV1", "UpstreamAPI", "Simulator", "UpstreamHTTP", "EventLoop", "HTTP1", "JSON", "TestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "AuthTests",
            dependencies: [
                "Auth", "UpstreamHTTP", "EventLoop", "HTTP1", "JSON", "TestSupport",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "JSONTests", dependencies: ["JSON"], swiftSettings: strict),
        .testTarget(
            name: "GatewayTests",
            dependencies: ["Gateway", "EventLoop", "TestSupport", .product(name: "Metrics", package: "swift-metrics")],
            swiftSettings: strict),
        .testTarget(name: "HTTPRoutingTests", dependencies: ["HTTPRouting", "HTTP1", "JSON"], swiftSettings: strict),
        .testTarget(
            name: "ThreadgateAppTests",
            dependencies: [
                "ThreadgateApp", "HTTP1", "EventLoop", "HTTPRouting", "JSON", "Postgres", "TestSupport",
                "DatabaseTestSupport", "Auth", "Simulator", "Gateway", "UpstreamAPI",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
    ]
)
