// swift-tools-version:6.1
import PackageDescription

/// Settings shared by every target: Swift 6 language mode plus `any` spelled out for every existential.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

let package = Package(
    name: "Nightshift",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Nightshift", targets: ["Nightshift"]),
        .library(name: "NightshiftDatabase", targets: ["NightshiftDatabase"]),
        .library(name: "NightshiftSQL", targets: ["NightshiftSQL"]),
        .library(name: "NightshiftRedis", targets: ["NightshiftRedis"]),
        .library(name: "NightshiftJobKinds", targets: ["NightshiftJobKinds"]),
        .library(name: "NightshiftAlerts", targets: ["NightshiftAlerts"]),
        .library(name: "NightshiftConfig", targets: ["NightshiftConfig"]),
        .library(name: "NightshiftServer", targets: ["NightshiftServer"]),
        .library(name: "NightshiftCLI", targets: ["NightshiftCLI"]),
        .library(name: "NightshiftTesting", targets: ["NightshiftTesting"]),
        .executable(name: "nightshift", targets: ["nightshift"]),
        .executable(name: "nightshift-bench", targets: ["nightshift-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.25.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.0.0"),
    ],
    targets: [
        .target(
            name: "Nightshift",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "NightshiftDatabase",
            dependencies: [
                "Nightshift",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "NightshiftSQL",
            dependencies: [
                "Nightshift",
                "NightshiftDatabase",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "NightshiftRedis",
            dependencies: [
                "Nightshift",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strictSettings
        ),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .target(
            name: "NightshiftJobKinds",
            dependencies: [
                "Nightshift",
                "NightshiftDatabase",
                "NightshiftRedis",
                "CZlib",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "NightshiftAlerts",
            dependencies: [
                "Nightshift",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "NightshiftConfig",
            dependencies: [
                "Nightshift",
                "NightshiftAlerts",
                "NightshiftDatabase",
                "NightshiftRedis",
                "NightshiftJobKinds",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "NightshiftServer",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                "Nightshift",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            resources: [.copy("Resources/openapi.json")],
            swiftSettings: strictSettings
        ),
        .target(
            name: "NightshiftCLI",
            dependencies: [
                "Nightshift",
                "NightshiftAlerts",
                "NightshiftDatabase",
                "NightshiftSQL",
                "NightshiftJobKinds",
                "NightshiftRedis",
                "NightshiftConfig",
                "NightshiftServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "nightshift",
            dependencies: ["NightshiftCLI"],
            swiftSettings: strictSettings
        ),
        // The README's library example, word for word; a test builds and runs it.
        .executableTarget(
            name: "swift-app-example",
            dependencies: [
                "Nightshift", "NightshiftSQL",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "examples/swift-app/Sources/App",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "nightshift-bench",
            dependencies: [
                "Nightshift", "NightshiftDatabase", "NightshiftSQL", "NightshiftJobKinds", "NightshiftRedis",
                "NightshiftServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "NightshiftTesting",
            dependencies: ["Nightshift", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
        // What only this repository's tests use (test servers, certificates, processes): not a product.
        .target(
            name: "NightshiftTestSupport",
            dependencies: ["Nightshift", "NightshiftTesting", "NightshiftDatabase", "NightshiftSQL", "NightshiftRedis"],
            path: "Tests/NightshiftTestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "NightshiftTests",
            dependencies: ["Nightshift", "NightshiftTesting", "NightshiftTestSupport", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "NightshiftSQLTests",
            dependencies: ["NightshiftDatabase", "NightshiftSQL", "NightshiftTesting", "NightshiftTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "NightshiftRedisTests",
            dependencies: [
                "NightshiftRedis", "NightshiftTesting", "NightshiftTestSupport", .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "NightshiftJobKindsTests",
            dependencies: [
                "NightshiftDatabase", "NightshiftJobKinds", "NightshiftTesting", "NightshiftTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "NightshiftAlertsTests",
            dependencies: [
                "NightshiftAlerts", "NightshiftTesting", "NightshiftTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "NightshiftConfigTests",
            dependencies: ["NightshiftConfig", "NightshiftJobKinds"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "NightshiftServerTests",
            dependencies: [
                "NightshiftServer", "NightshiftTesting", "NightshiftTestSupport", "NightshiftDatabase", "NightshiftSQL",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "NightshiftCLITests",
            dependencies: [
                "NightshiftCLI", "NightshiftTesting", "NightshiftTestSupport", "NightshiftDatabase", "NightshiftSQL", "NightshiftRedis", "nightshift",
                "nightshift-bench", "swift-app-example",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: strictSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
