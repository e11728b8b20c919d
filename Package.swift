// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// The products the targets use, by the module they import (`MemberImportVisibility` wants
/// each target to name what it imports, so the lists stay explicit).
enum P {
    static let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")
    static let asyncHTTPClient = Target.Dependency.product(name: "AsyncHTTPClient", package: "async-http-client")
    static let crypto = Target.Dependency.product(name: "Crypto", package: "swift-crypto")
    static let httpTypes = Target.Dependency.product(name: "HTTPTypes", package: "swift-http-types")
    static let hummingbird = Target.Dependency.product(name: "Hummingbird", package: "hummingbird")
    static let hummingbirdAuth = Target.Dependency.product(name: "HummingbirdAuth", package: "hummingbird-auth")
    static let hummingbirdCore = Target.Dependency.product(name: "HummingbirdCore", package: "hummingbird")
    static let hummingbirdTesting = Target.Dependency.product(name: "HummingbirdTesting", package: "hummingbird")
    static let jwtKit = Target.Dependency.product(name: "JWTKit", package: "jwt-kit")
    static let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
    static let nioCore = Target.Dependency.product(name: "NIOCore", package: "swift-nio")
    static let nioHTTP1 = Target.Dependency.product(name: "NIOHTTP1", package: "swift-nio")
    static let nioHTTPTypes = Target.Dependency.product(name: "NIOHTTPTypes", package: "swift-nio-extras")
    static let nioPosix = Target.Dependency.product(name: "NIOPosix", package: "swift-nio")
    static let postgresNIO = Target.Dependency.product(name: "PostgresNIO", package: "postgres-nio")
    static let prometheus = Target.Dependency.product(name: "Prometheus", package: "swift-prometheus")
    static let serviceLifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
    static let serviceLifecycleTestKit = Target.Dependency.product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle")
    static let unixSignals = Target.Dependency.product(name: "UnixSignals", package: "swift-service-lifecycle")
    static let tracing = Target.Dependency.product(name: "Tracing", package: "swift-distributed-tracing")
    static let instrumentation = Target.Dependency.product(name: "Instrumentation", package: "swift-distributed-tracing")
    static let otel = Target.Dependency.product(name: "OTel", package: "swift-otel")
}

/// A library target of the project (in `Shared/`, `Services/` or `Tests/TestSupport`).
func library(_ name: String, in path: String, _ dependencies: [Target.Dependency]) -> Target {
    .target(name: name, dependencies: dependencies, path: path, swiftSettings: swiftSettings)
}

/// An executable (in `Services/Executables`, or a tool in `Services/`).
func executable(_ name: String, in path: String, _ dependencies: [Target.Dependency]) -> Target {
    .executableTarget(name: name, dependencies: dependencies, path: path, swiftSettings: swiftSettings)
}

/// A test suite target (in `Tests/`).
func tests(_ name: String, in path: String, _ dependencies: [Target.Dependency]) -> Target {
    .testTarget(name: name, dependencies: dependencies, path: path, swiftSettings: swiftSettings)
}

let consumerServiceDependencies: [Target.Dependency] = [
    "Consumer", "ConsumerService", "Consistency", "Kafka", "Events", "Database", "HTTPSupport", "AsyncPrimitives", "Access",
    P.hummingbird,
    P.httpTypes,
    P.postgresNIO,
    P.nioCore,
    P.logging,
    P.argumentParser,
    P.serviceLifecycle,
]

let package = Package(
    name: "event-driven-users",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "user-service", targets: ["UserServiceMain"]),
        .executable(name: "analytics-service", targets: ["AnalyticsServiceMain"]),
        .executable(name: "search-service", targets: ["SearchServiceMain"]),
        .executable(name: "local-broker", targets: ["LocalBrokerMain"]),
        .executable(name: "load-generator", targets: ["LoadGenerator"]),
        // The four above in one executable, which the image ships (with their names as links to it).
        .executable(name: "event-driven-users", targets: ["EventDrivenUsers"]),
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
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        // OTLP over HTTP only: the gRPC exporter would bring grpc-swift and HTTP/2 into every build.
        .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        // MARK: librdkafka
        .systemLibrary(
            name: "CRdKafka",
            path: "Shared/CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        library("Kafka", in: "Shared/Kafka", ["CRdKafka", "AsyncPrimitives", "ServiceConfiguration", P.logging, P.serviceLifecycle]),
        // MARK: Shared libraries
        library("Events", in: "Shared/Events", [P.crypto]),
        library("ServiceConfiguration", in: "Shared/ServiceConfiguration", [P.logging]),
        library("AsyncPrimitives", in: "Shared/AsyncPrimitives", [P.nioCore, P.nioPosix, P.serviceLifecycle]),
        library(
            "Database", in: "Shared/Database",
            [
                "AsyncPrimitives", P.nioPosix, "ServiceConfiguration", P.postgresNIO, P.logging, P.crypto,
            ]
        ),
        library(
            "Observability", in: "Shared/Observability",
            ["ServiceConfiguration", "Events", P.logging, P.prometheus, P.tracing, P.instrumentation, P.otel, P.serviceLifecycle]
        ),
        library(
            "HTTPSupport", in: "Shared/HTTPSupport",
            [
                "Observability", "ServiceConfiguration", P.hummingbirdAuth, P.hummingbird, P.hummingbirdCore, P.httpTypes,
                P.nioCore, P.nioHTTP1, P.nioHTTPTypes, P.logging, P.prometheus, P.tracing,
            ]
        ),
        // Who may call the public routes: bearer tokens (JWT, verified against a JWKS), the caller, the rate limit.
        library(
            "Access", in: "Shared/Access",
            [
                "HTTPSupport", "ServiceConfiguration", P.jwtKit, P.hummingbirdAuth, P.hummingbird, P.asyncHTTPClient, P.crypto,
                P.logging, P.nioCore, P.nioHTTP1,
            ]
        ),
        // Divergence detection: the digest every service answers, and the comparison of two.
        library("Consistency", in: "Shared/Consistency", ["Events", "HTTPSupport", P.crypto, P.hummingbird]),
        // The consumer runtime: decoding, dedup store, failure classes, dead letters, the group
        // consumer and its lag line. No HTTP, no command line.
        library(
            "Consumer", in: "Shared/Consumer",
            [
                "Kafka", "Events", "Database", "Observability", "ServiceConfiguration", "AsyncPrimitives", P.postgresNIO,
                P.nioCore, P.prometheus, P.logging, P.serviceLifecycle, P.tracing,
            ]
        ),
        // A consumer service around the runtime: the application, its HTTP routes and its commands.
        library(
            "ConsumerService", in: "Shared/ConsumerService",
            [
                "Consumer", "Consistency", "Access", "ServiceBootstrap", "Kafka", "Database", "Observability", "HTTPSupport",
                "ServiceConfiguration", "AsyncPrimitives", P.hummingbird, P.postgresNIO, P.logging, P.argumentParser,
                P.serviceLifecycle, P.prometheus,
            ]
        ),
        // What every process does the same way: configuration and logging at start, migrations, `migrate`.
        library(
            "ServiceBootstrap", in: "Shared/ServiceBootstrap",
            [
                "Database", "Observability", "ServiceConfiguration", "AsyncPrimitives", P.hummingbird, P.postgresNIO, P.logging,
                P.argumentParser, P.asyncHTTPClient, P.nioCore, P.nioHTTP1,
            ]
        ),
        // MARK: Services
        // Each service is a library (its commands, application and code) with a one-line
        // executable in Services/Executables; the image runs all four from one executable.
        library(
            "UserService", in: "Services/UserService",
            [
                "Kafka", "Events", "Database", "Observability", "HTTPSupport", "ServiceBootstrap", "ServiceConfiguration",
                "AsyncPrimitives", "Consistency", "Access", P.asyncHTTPClient, P.hummingbird, P.httpTypes, P.postgresNIO,
                P.crypto, P.prometheus, P.logging, P.nioCore, P.nioPosix, P.argumentParser, P.serviceLifecycle, P.tracing, P.otel,
            ]
        ),
        library("AnalyticsService", in: "Services/AnalyticsService", consumerServiceDependencies),
        library("SearchService", in: "Services/SearchService", consumerServiceDependencies),
        library(
            "LocalBroker", in: "Services/LocalBroker",
            [
                "Kafka", "Observability", "ServiceConfiguration", P.nioCore, P.nioPosix, P.argumentParser, P.serviceLifecycle,
                P.unixSignals,
            ]
        ),
        executable(
            "LoadGenerator", in: "Services/LoadGenerator",
            [
                "Kafka", "AsyncPrimitives", "Events", "Observability", P.crypto, P.asyncHTTPClient, P.nioCore, P.nioHTTP1, P.logging,
                P.argumentParser, P.serviceLifecycle, P.tracing, P.otel,
            ]
        ),
        executable("UserServiceMain", in: "Services/Executables/UserServiceMain", ["UserService", P.argumentParser]),
        executable("AnalyticsServiceMain", in: "Services/Executables/AnalyticsServiceMain", ["AnalyticsService", P.argumentParser]),
        executable("SearchServiceMain", in: "Services/Executables/SearchServiceMain", ["SearchService", P.argumentParser]),
        executable("LocalBrokerMain", in: "Services/Executables/LocalBrokerMain", ["LocalBroker", P.argumentParser]),
        executable(
            "EventDrivenUsers", in: "Services/Executables/EventDrivenUsers",
            ["UserService", "AnalyticsService", "SearchService", "LocalBroker", P.argumentParser]
        ),
        // MARK: Tests
        library(
            "TestSupport", in: "Tests/TestSupport",
            [
                "Kafka", "Database", "Events", "ServiceConfiguration", "ServiceBootstrap", "Access", "HTTPSupport", P.crypto,
                P.serviceLifecycle, P.asyncHTTPClient, P.nioCore, P.nioPosix, P.nioHTTP1, P.postgresNIO, P.logging, P.hummingbird,
            ]
        ),
        tests("KafkaTests", in: "Tests/KafkaTests", ["Kafka", "ServiceConfiguration", "TestSupport", P.logging]),
        tests(
            "DatabaseTests", in: "Tests/DatabaseTests",
            [
                "Database", "AsyncPrimitives", "ServiceConfiguration", "TestSupport", P.postgresNIO,
            ]
        ),
        tests(
            "UserServiceTests", in: "Tests/UserServiceTests",
            [
                "UserService", "TestSupport", "Kafka", "Events", "Database", "HTTPSupport", "Observability",
                "ServiceConfiguration", P.hummingbird, P.hummingbirdTesting, P.postgresNIO, P.nioHTTP1, P.logging,
                P.serviceLifecycle,
            ]
        ),
        tests(
            "ConsumerTests", in: "Tests/ConsumerTests",
            [
                "Consumer", "ConsumerService", "AnalyticsService", "SearchService", "TestSupport", "Kafka", "Events", "Database",
                "HTTPSupport", "Observability", "AsyncPrimitives", P.hummingbird, P.hummingbirdTesting, P.postgresNIO,
                P.nioHTTP1, P.logging, P.serviceLifecycle,
            ]
        ),
        // The whole pipeline in one process: user-service, the broker, a consumer.
        tests(
            "SystemTests", in: "Tests/SystemTests",
            [
                "UserService", "AnalyticsService", "SearchService", "Consumer", "ConsumerService", "Consistency", "TestSupport",
                "Kafka", "HTTPSupport", "Observability", "Database", "Events", P.asyncHTTPClient, P.postgresNIO, P.hummingbird,
                P.hummingbirdTesting, P.nioHTTP1, P.logging, P.serviceLifecycle,
            ]
        ),
        tests(
            "HTTPSupportTests", in: "Tests/HTTPSupportTests",
            [
                "HTTPSupport", "Observability", "ServiceConfiguration", "TestSupport", P.hummingbird, P.hummingbirdTesting,
                P.httpTypes, P.nioCore,
            ]
        ),
        tests(
            "SharedTests", in: "Tests/SharedTests",
            [
                "AsyncPrimitives", "ServiceConfiguration", "Observability", "Access", "Events", "TestSupport", P.logging, P.serviceLifecycle,
                P.serviceLifecycleTestKit, P.tracing,
            ]
        ),
    ]
)
