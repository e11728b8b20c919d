import Consumer
import ConsumerService
import Hummingbird
import HummingbirdTesting
import Observability
import TestSupport
@testable import AnalyticsService
@testable import SearchService
@testable import UserService

/// The three services running for real (`.live`), each on a database of its own:
/// search-service and analytics-service, then user-service (API and relay) pointed
/// at them, its periodic anti-entropy check every second.
struct RunningSystem: Sendable {
    let users: TestDatabase
    let search: TestDatabase
    let analytics: TestDatabase
    /// user-service's metrics registry.
    let userTelemetry: Telemetry
    /// The consumers' metrics registries.
    let searchTelemetry: Telemetry
    let analyticsTelemetry: Telemetry
    let userAPI: HTTPTestClient
    let searchAPI: HTTPTestClient
    let analyticsAPI: HTTPTestClient
    /// The management listeners: `/metrics`, `/consistency/*`.
    let userManagement: HTTPTestClient
    let searchManagement: HTTPTestClient
    let analyticsManagement: HTTPTestClient

    /// Runs `body` while the system runs; `configure` adjusts both consumers' configuration;
    /// with `tracing`, each service traces as itself and exports its spans to that receiver.
    static func run(
        _ world: SystemWorld, tracing: OTLPReceiver? = nil, consumers configure: (inout ConsumerConfiguration) -> Void = { _ in },
        _ body: @Sendable (RunningSystem) async throws -> Void
    ) async throws {
        try await withTestDatabase(prefix: "users") { users in
            try await users.migrate(UserServiceConfiguration.schema(migrationsPath: nil))
            try await withTestDatabase(prefix: "search") { search in
                try await search.migrate(SearchService.schema(migrationsPath: nil))
                try await withTestDatabase(prefix: "analytics") { analytics in
                    try await analytics.migrate(AnalyticsService.schema(migrationsPath: nil))
                    try await run(world, users: users, search: search, analytics: analytics, tracing: tracing, consumers: configure, body)
                }
            }
        }
    }

    /// Runs `body` while the system runs on these databases (already migrated): the
    /// services connect with each one's URL, and the tests' SQL uses each one's client.
    static func run(
        _ world: SystemWorld, users: TestDatabase, search: TestDatabase, analytics: TestDatabase, tracing: OTLPReceiver? = nil,
        consumers configure: (inout ConsumerConfiguration) -> Void = { _ in }, _ body: @Sendable (RunningSystem) async throws -> Void
    ) async throws {
        let (userPort, searchPort, analyticsPort) = (try freeLocalPort(), try freeLocalPort(), try freeLocalPort())
        let telemetry: @Sendable (String) throws -> Telemetry = { service in
            guard let tracing else { return Telemetry() }
            return try Telemetry(tracing: .exporting(to: tracing.endpoint, service: service), logger: testLogger("otel"))
        }
        let searchTelemetry = try telemetry("search-service")
        let analyticsTelemetry = try telemetry("analytics-service")
        let searchApp = try await ConsumerApplication.build(
            SearchService.self, configuration: world.consumer(SearchService.group, search, managementPort: searchPort, configure: configure),
            telemetry: searchTelemetry, logger: testLogger("search")
        )
        let analyticsApp = try await ConsumerApplication.build(
            AnalyticsService.self, configuration: world.consumer(AnalyticsService.group, analytics, managementPort: analyticsPort, configure: configure),
            telemetry: analyticsTelemetry, logger: testLogger("analytics")
        )
        try await searchApp.test(.live) { searchClient in
            try await analyticsApp.test(.live) { analyticsClient in
                var configuration = world.userService(users, managementPort: userPort)
                configuration.searchURL = "http://127.0.0.1:\(searchPort)"
                configuration.analyticsURL = "http://127.0.0.1:\(analyticsPort)"
                configuration.antiEntropyInterval = .seconds(1)
                let userTelemetry = try telemetry("user-service")
                let userService = try await buildApplication(
                    configuration: configuration, role: .apiAndRelay, telemetry: userTelemetry, logger: testLogger("user-service")
                )
                try await userService.test(.live) { userClient in
                    try await body(RunningSystem(
                        users: users, search: search, analytics: analytics, userTelemetry: userTelemetry,
                        searchTelemetry: searchTelemetry, analyticsTelemetry: analyticsTelemetry,
                        userAPI: HTTPTestClient(port: userClient.port!), searchAPI: HTTPTestClient(port: searchClient.port!),
                        analyticsAPI: HTTPTestClient(port: analyticsClient.port!),
                        userManagement: HTTPTestClient(port: userPort), searchManagement: HTTPTestClient(port: searchPort),
                        analyticsManagement: HTTPTestClient(port: analyticsPort)
                    ))
                }
            }
        }
    }
}
