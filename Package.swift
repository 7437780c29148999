// swift-tools-version:6.2
// The swift-tools-version declares the minimum version of Swift required to build this package.

import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "swarm",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "swarmd", targets: ["swarmd"]),
        .executable(name: "swarm", targets: ["swarm"]),
        .library(name: "SwarmProtocol", targets: ["SwarmProtocol"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/swiftcsv/SwiftCSV.git", from: "0.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // The tests start swarmd, the swarm client and tools (sqlite3, openssl, tmux, alertmanager) through
        // swift-subprocess rather than Foundation's Process (swift-corelibs-foundation#5472).
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.8.1"),
    ],
    targets: [
        .target(name: "SwarmProtocol", swiftSettings: swiftSettings),
        // Snowball's stemmers (Debian's libstemmer-dev). The package has no pkg-config file: the module map links
        // libstemmer by name, and its one header is in /usr/include.
        .systemLibrary(name: "CStemmer", path: "Sources/CStemmer", providers: [.apt(["libstemmer-dev"])]),
        // Text as search and skill inference compare it, German and English: words, stop words, Snowball stems, which
        // language a text is in. Pure computation, under the domain core.
        .target(name: "SwarmLanguage", dependencies: ["CStemmer"], swiftSettings: swiftSettings),
        .target(name: "SwarmCore", dependencies: ["SwarmProtocol", "SwarmLanguage"], swiftSettings: swiftSettings),
        // GMime 3 (Debian's libgmime-3.0-dev), the MIME parser and writer the mail module is built on.
        .systemLibrary(
            name: "CGMime", path: "Sources/CGMime", pkgConfig: "gmime-3.0", providers: [.apt(["libgmime-3.0-dev"])]),
        // Reading incoming mail and composing outgoing mail, pure: no network, no store, no clock. SwarmFiles for the
        // one rule of what a file may be called (AttachmentName).
        .target(
            name: "SwarmMail", dependencies: ["CGMime", "SwarmFiles", "SwarmProtocol"], swiftSettings: swiftSettings),
        // The leads' figures: the fold over the log the hub keeps live. Nothing else, so the server links
        // only this of the analysis code.
        .target(name: "SwarmMetrics", dependencies: ["SwarmCore"], swiftSettings: swiftSettings),
        // Reading histories and the simulator's input files: the ServiceNow import, workload and staff CSV.
        .target(
            name: "SwarmImport",
            dependencies: ["SwarmCore", .product(name: "SwiftCSV", package: "SwiftCSV")],
            swiftSettings: swiftSettings
        ),
        // The what-if simulator and its calibration on an imported history; only `swarmd` links it.
        .target(
            name: "SwarmSimulator", dependencies: ["SwarmImport", "SwarmMetrics", "SwarmCore"],
            swiftSettings: swiftSettings),
        // Configuration's one home: the settings table that drives serve's flags (through ArgumentParser), the
        // configuration file and the docs, and the values it produces (ServeSettings, HubConfiguration).
        .target(
            name: "SwarmConfiguration",
            dependencies: [
                "SwarmFiles",
                "SwarmCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SwarmStore",
            dependencies: [
                "SwarmCore",
                "SwarmLanguage",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // libmagic (Debian's libmagic-dev), file(1)'s detection of a file's type from its bytes, with the system's
        // compiled database.
        .systemLibrary(
            name: "CMagic", path: "Sources/CMagic", pkgConfig: "libmagic", providers: [.apt(["libmagic-dev"])]),
        // Attachments' groundwork (issue 28): what a file's bytes are (libmagic), which may be shown inline, a safe
        // name and its Content-Disposition, and clamd's INSTREAM over NIO. No store, no HTTP.
        .target(
            name: "SwarmFiles",
            dependencies: [
                "CMagic",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // libcurl's SMTP client for the hub's mail out (Sources/SwarmHub/Mail/SMTPRelay.swift) and its HTTP client for
        // the outgoing webhooks (Sources/SwarmHub/Webhooks/WebhookPoster.swift).
        .systemLibrary(
            name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .target(
            name: "SwarmHub",
            dependencies: [
                "CCurl",
                "SwarmMail",
                "SwarmFiles",
                "SwarmStore",
                "SwarmMetrics",
                "SwarmConfiguration",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                // HMAC-SHA256 of the outgoing webhooks' signatures.
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [
                .copy("Resources/taxonomy.json"), .copy("Resources/dashboard"), .copy("Resources/portal"),
                .copy("Resources/shared"), .copy("Resources/home"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "swarmd",
            dependencies: [
                "SwarmHub",
                "SwarmConfiguration",
                "SwarmMetrics",
                "SwarmImport",
                "SwarmSimulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "swarm-bench",
            dependencies: [
                "SwarmHub",
                "SwarmConfiguration",
                "SwarmCore",
                "SwarmMetrics",
                "SwarmSimulator",
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            path: "Benchmarks/SwarmBench",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SwarmClient",
            dependencies: [
                "SwarmProtocol",
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Clients/SwarmClient",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "swarm",
            dependencies: [
                "SwarmClient",
                "SwarmProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Clients/swarm",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "SwarmTestSupport",
            dependencies: [
                "SwarmHub",
                "SwarmConfiguration",
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system", condition: .when(platforms: [.linux])),
            ],
            path: "Tests/SwarmTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "SwarmLanguageTests", dependencies: ["SwarmLanguage"], swiftSettings: swiftSettings),
        .testTarget(name: "SwarmCoreTests", dependencies: ["SwarmCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "SwarmMailTests", dependencies: ["SwarmMail", "SwarmProtocol", "SwarmTestSupport"],
            resources: [.copy("corpus")], swiftSettings: swiftSettings),
        .testTarget(
            name: "SwarmFilesTests",
            dependencies: [
                "SwarmFiles", "SwarmTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "SwarmConfigurationTests",
            dependencies: [
                "SwarmConfiguration", "SwarmCore", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "SwarmMetricsTests", dependencies: ["SwarmMetrics", "SwarmCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "SwarmSimulatorTests", dependencies: ["SwarmSimulator", "SwarmImport", "SwarmMetrics", "SwarmCore"],
            resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
        .testTarget(
            name: "SwarmStoreTests",
            dependencies: [
                "SwarmStore", "SwarmTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "SwarmHubTests",
            dependencies: [
                "SwarmHub", "SwarmConfiguration", "SwarmTestSupport", "SwarmImport", "SwarmFiles", "SwarmMail",
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                // RS256 (RSASSA-PKCS1-v1_5 with SHA-256): the test OpenID provider's ID tokens checked against its
                // JWKS (OIDCProviderHarnessTests). A product of swift-crypto, which the package already uses.
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SwarmClientTests",
            dependencies: [
                "SwarmClient", "SwarmProtocol", "SwarmTestSupport", "SwarmHub", "SwarmConfiguration", "SwarmCore",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system", condition: .when(platforms: [.linux])),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
