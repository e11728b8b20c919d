// swift-tools-version:6.0
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// What analytics-service and search-service build on (the consumer runtime, its service layer and their neighbours).
let consumerServiceDependencies: [Target.Dependency] = [
    "Consumer", "ConsumerService", "Consistency", "Kafka", "Events", "Database", "HTTPSupport", "AsyncPrimitives", "Access",
    .product(name: "Hummingbird", package: "hummingbird"),
    .product(name: "HTTPTypes", package: "swift-http-types"),
    .product(name: "PostgresNIO", package: "postgres-nio"),
    .product(name: "NIOCore", package: "swift-nio"),
    .product(name: "Logging", package: "swift-log"),
    .product(name: "ArgumentParser", package: "swift-argument-parser"),
    .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
]

let package = Package(
    name: "event-driven-users",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "user-service", targets: ["UserService"]),
        .executable(name: "analytics-service", targets: ["AnalyticsService"]),
        .executable(name: "search-service", targets: ["SearchService"]),
        .executable(name: "local-broker", targets: ["LocalBroker"]),
        .executable(name: "load-generator", targets: ["LoadGenerator"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.34.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        // MARK: librdkafka
        .systemLibrary(
            name: "CRdKafka",
            path: "Shared/CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        .target(
            name: "Kafka",
            dependencies: [
                "CRdKafka", "AsyncPrimitives", "ServiceConfiguration",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/Kafka",
            swiftSettings: swiftSettings
        ),
        // MARK: Shared libraries
        .target(
            name: "Events",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            path: "Shared/Events",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ServiceConfiguration",
            dependencies: [.product(name: "Logging", package: "swift-log")],
            path: "Shared/ServiceConfiguration",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "AsyncPrimitives",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/AsyncPrimitives",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Database",
            dependencies: [
                "AsyncPrimitives",
                .product(name: "NIOPosix", package: "swift-nio"),
                "ServiceConfiguration",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Shared/Database",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Observability",
            dependencies: [
                "ServiceConfiguration",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Shared/Observability",
            swiftSettings: swiftSettings
        ),
        .target(
            name: "HTTPSupport",
            dependencies: [
                "Observability", "ServiceConfiguration",
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Shared/HTTPSupport",
            swiftSettings: swiftSettings
        ),
        // Who may call the public routes: bearer tokens (JWT, verified against a JWKS), the caller, the rate limit.
        .target(
            name: "Access",
            dependencies: [
                "HTTPSupport", "ServiceConfiguration",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Shared/Access",
            swiftSettings: swiftSettings
        ),
        // Divergence detection: the digest every service answers, and the comparison of two.
        .target(
            name: "Consistency",
            dependencies: [
                "Events", "HTTPSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Shared/Consistency",
            swiftSettings: swiftSettings
        ),
        // The consumer runtime: decoding, dedup store, failure classes, dead letters, the group
        // consumer and its lag line. No HTTP, no command line.
        .target(
            name: "Consumer",
            dependencies: [
                "Kafka", "Events", "Database", "Observability", "ServiceConfiguration", "AsyncPrimitives",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Shared/Consumer",
            swiftSettings: swiftSettings
        ),
        // A consumer service around the runtime: the application, its HTTP routes and its commands.
        .target(
            name: "ConsumerService",
            dependencies: [
                "Consumer", "Consistency", "Access", "ServiceBootstrap", "Kafka", "Database", "Observability", "HTTPSupport", "ServiceConfiguration", "AsyncPrimitives",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Shared/ConsumerService",
            swiftSettings: swiftSettings
        ),
        // What every process does the same way: configuration and logging at start, migrations, `migrate`.
        .target(
            name: "ServiceBootstrap",
            dependencies: [
                "Database", "Observability", "ServiceConfiguration", "AsyncPrimitives",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Shared/ServiceBootstrap",
            swiftSettings: swiftSettings
        ),
        // MARK: Services
        .executableTarget(
            name: "UserService",
            dependencies: [
                "Kafka", "Events", "Database", "Observability", "HTTPSupport", "ServiceBootstrap", "ServiceConfiguration", "AsyncPrimitives",
                "Consistency", "Access",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Services/UserService",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "AnalyticsService",
            dependencies: consumerServiceDependencies,
            path: "Services/AnalyticsService",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "SearchService",
            dependencies: consumerServiceDependencies,
            path: "Services/SearchService",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "LocalBroker",
            dependencies: [
                "Kafka", "Observability",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            path: "Services/LocalBroker",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "LoadGenerator",
            dependencies: [
                "Kafka", "AsyncPrimitives", "Events",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Services/LoadGenerator",
            swiftSettings: swiftSettings
        ),
        // MARK: Tests
        .target(
            name: "TestSupport",
            dependencies: [
                "Kafka", "Database", "Events", "ServiceConfiguration", "ServiceBootstrap", "Access", "HTTPSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KafkaTests",
            dependencies: ["Kafka", "ServiceConfiguration", "TestSupport", .product(name: "Logging", package: "swift-log")],
            path: "Tests/KafkaTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DatabaseTests",
            dependencies: ["Database", "AsyncPrimitives", "ServiceConfiguration", "TestSupport", .product(name: "PostgresNIO", package: "postgres-nio")],
            path: "Tests/DatabaseTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "UserServiceTests",
            dependencies: [
                "UserService", "TestSupport", "Kafka", "Events", "Database", "HTTPSupport", "Observability", "ServiceConfiguration",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/UserServiceTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ConsumerTests",
            dependencies: [
                "Consumer", "ConsumerService", "AnalyticsService", "SearchService", "TestSupport", "Kafka", "Events", "Database", "HTTPSupport", "Observability", "AsyncPrimitives",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/ConsumerTests",
            swiftSettings: swiftSettings
        ),
        // The whole pipeline in one process: user-service, the broker, a consumer.
        .testTarget(
            name: "SystemTests",
            dependencies: [
                "UserService", "AnalyticsService", "SearchService", "Consumer", "ConsumerService", "Consistency", "TestSupport", "Kafka",
                "HTTPSupport", "Observability", "Database", "Events",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/SystemTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "HTTPSupportTests",
            dependencies: [
                "HTTPSupport", "Observability", "ServiceConfiguration", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Tests/HTTPSupportTests",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SharedTests",
            dependencies: [
                "AsyncPrimitives", "ServiceConfiguration", "Observability", "Access", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ],
            path: "Tests/SharedTests",
            swiftSettings: swiftSettings
        ),
    ]
)
