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
        let broker = try TestBroker()
        let topic = try broker.makeTopic("user-events", partitions: 6)
        try broker.cluster.createTopic(DeadLetter.topic(for: topic, group: AnalyticsService.group), partitions: 1)
        let admin = try KafkaAdmin(bootstrapServers: broker.bootstrapServers, logger: broker.logger)
        try await withTestDatabase(prefix: "users") { users in
            try await withTestDatabase(prefix: "analytics") { analytics in
                var apiConfiguration = UserServiceConfiguration()
                apiConfiguration.http = HTTPServerSettings(host: "127.0.0.1", port: 0)
                apiConfiguration.databaseURL = users.url
                apiConfiguration.kafkaBrokers = broker.bootstrapServers
                apiConfiguration.relay.topic = topic
                apiConfiguration.relay.pollInterval = .milliseconds(200)
                apiConfiguration.relay.heartbeatInterval = .milliseconds(200)
                let api = apiConfiguration
                let apiApp = try buildApplication(configuration: api, role: .apiOnly, telemetry: Telemetry(), logger: testLogger("user-service"))

                var consumer = ConsumerConfiguration(group: AnalyticsService.group, databaseURL: analytics.url)
                consumer.kafkaBrokers = broker.bootstrapServers
                consumer.topic = topic
                consumer.lagLogInterval = .milliseconds(300)
                consumer.stalenessSLO = .seconds(2)
                consumer.sessionTimeoutMilliseconds = 6_000
                consumer.heartbeatIntervalMilliseconds = 500
                let consumerTelemetry = Telemetry()
                let consumerApp = try ConsumerApplication.build(
                    AnalyticsService.self,
                    configuration: ConsumerServiceConfiguration(consumer: consumer, http: HTTPServerSettings(host: "127.0.0.1", port: 0)),
                    telemetry: consumerTelemetry, logger: testLogger("analytics")
                )
                let status: @Sendable () -> Double? = { Self.metric("consumer_lag_status", consumerTelemetry) }
                let lag: @Sendable () async throws -> Int64 = { try await admin.lag(group: AnalyticsService.group, topic: topic).reduce(0) { $0 + $1.lag } }

                try await apiApp.test(.live) { userService in
                    let http = HTTPTestClient(port: userService.port!)
                    try await consumerApp.test(.live) { _ in
                        // The relay runs: events and heartbeats flow, the consumer is OK.
                        try await Self.withRelay(api, broker: broker) {
                            _ = try await http.send(.POST, "/users", body: #"{"name":"Ada","email":"ada@example.com"}"#)
                            try await eventually("OK with the relay running", timeout: .seconds(30)) {
                                try await lag() == 0 && Self.metric("consumer_events_applied_total", consumerTelemetry) == 1 && status() == 0
                            }
                        }
                        // The relay is gone; writes go on into the outbox. Nothing new reaches the topic.
                        for index in 0..<5 {
                            let response = try await http.send(.POST, "/users", body: #"{"name":"Writer \#(index)","email":"w\#(index)@example.com"}"#)
                            #expect(response.status == 201)
                        }
                        try await eventually("STALE while lag reads 0", timeout: .seconds(15)) { status() == 4 }
                        #expect(try await lag() == 0, "lag cannot see a stopped relay")
                        #expect((Self.metric("consumer_staleness_seconds", consumerTelemetry) ?? 0) > 2)

                        // The relay returns: the backlog drains and the consumer is OK again.
                        try await Self.withRelay(api, broker: broker) {
                            try await eventually("OK again, every write applied", timeout: .seconds(30)) {
                                Self.metric("consumer_events_applied_total", consumerTelemetry) == 6 && status() == 0
                            }
                        }
                    }
                }
            }
        }
    }

    /// Runs a relay-only user-service (its own pool and producer) for the duration of `body`.
    static func withRelay(_ configuration: UserServiceConfiguration, broker: TestBroker, _ body: @escaping @Sendable () async throws -> Void) async throws {
        let relay = try buildApplication(configuration: configuration, role: .relayOnly, telemetry: Telemetry(), logger: testLogger("relay"))
        try await relay.test(.live) { _ in try await body() }
    }

    static func metric(_ name: String, _ telemetry: Telemetry) -> Double? {
        for line in telemetry.render().split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.split(separator: " ").last!)
        }
        return nil
    }
}
