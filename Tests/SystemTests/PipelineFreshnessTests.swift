import Consumer
import ConsumerService
import Foundation
import HTTPSupport
import Hummingbird
import HummingbirdTesting
import Kafka
import Logging
import NIOHTTP1
import Observability
import ServiceLifecycle
import Testing
import TestSupport
@testable import AnalyticsService
@testable import UserService

/// The whole pipeline — user-service's API and relay, the broker, a consumer —
/// for what only the whole can show: when the relay stops, the topic stops
/// growing and lag reads 0, yet the consumer turns STALE.
@Suite("pipeline: a stopped relay is seen as staleness, not hidden by lag 0", .timeLimit(.minutes(3)))
struct PipelineFreshnessTests {
    @Test
    func whenTheRelayStopsConsumersTurnStaleWithLagZeroAndRecoverWhenItReturns() async throws {
        let world = try SystemWorld()
        let broker = world.broker
        let topic = world.topic
        let admin = try KafkaAdmin(bootstrapServers: broker.bootstrapServers, logger: broker.logger)
        try await withTestDatabase(prefix: "users") { users in
            try await users.migrate(UserServiceConfiguration.schema(migrationsPath: nil))
            try await withTestDatabase(prefix: "analytics") { analytics in
                try await analytics.migrate(AnalyticsService.schema(migrationsPath: nil))
                let api = world.userService(users)
                let apiApp = try await buildApplication(configuration: api, role: .apiOnly, telemetry: Telemetry(), logger: testLogger("user-service"))

                let consumerTelemetry = Telemetry()
                let consumerApp = try await ConsumerApplication.build(
                    AnalyticsService.self,
                    configuration: world.consumer(AnalyticsService.group, analytics) {
                        $0.lagLogInterval = .milliseconds(300)
                        $0.stalenessSLO = .seconds(2)
                    },
                    telemetry: consumerTelemetry, logger: testLogger("analytics")
                )
                let status: @Sendable () -> LagStatus? = { SystemWorld.consumerStatus(consumerTelemetry) }
                let lag: @Sendable () async throws -> Int64 = { try await admin.lag(group: AnalyticsService.group, topic: topic).reduce(0) { $0 + $1.lag } }

                try await apiApp.test(.live) { userService in
                    let http = HTTPTestClient(port: userService.port!)
                    try await consumerApp.test(.live) { _ in
                        // The relay runs: events and heartbeats flow, the consumer is OK.
                        try await Self.withRelay(api) {
                            _ = try await http.send(.POST, "/users", body: #"{"name":"Ada","email":"ada@example.com"}"#)
                            try await eventually("OK with the relay running", timeout: .seconds(30)) {
                                try await lag() == 0 && SystemWorld.metric(#"consumer_events_total{outcome="applied"}"#, consumerTelemetry) == 1 && status() == .ok
                            }
                        }
                        // The relay is gone; writes go on into the outbox. Nothing new reaches the topic.
                        for index in 0..<5 {
                            let response = try await http.send(.POST, "/users", body: #"{"name":"Writer \#(index)","email":"w\#(index)@example.com"}"#)
                            #expect(response.status == 201)
                        }
                        try await eventually("STALE while lag reads 0", timeout: .seconds(15)) { status() == .stale }
                        #expect(try await lag() == 0, "lag cannot see a stopped relay")
                        #expect((SystemWorld.metric("consumer_staleness_seconds", consumerTelemetry) ?? 0) > 2)

                        // The relay returns: the backlog drains and the consumer is OK again.
                        try await Self.withRelay(api) {
                            try await eventually("OK again, every write applied", timeout: .seconds(30)) {
                                SystemWorld.metric(#"consumer_events_total{outcome="applied"}"#, consumerTelemetry) == 6 && status() == .ok
                            }
                        }
                    }
                }
            }
        }
    }

    /// Runs a relay-only user-service (its own pool and producer) for the duration of `body`.
    static func withRelay(_ configuration: UserServiceConfiguration, _ body: @escaping @Sendable () async throws -> Void) async throws {
        let relay = try await buildApplication(configuration: configuration, role: .relayOnly, telemetry: Telemetry(), logger: testLogger("relay"))
        try await relay.test(.live) { _ in try await body() }
    }
}
