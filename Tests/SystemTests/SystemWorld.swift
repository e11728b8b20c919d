import Consumer
import ConsumerService
import HTTPSupport
import Kafka
import Observability
import TestSupport
@testable import AnalyticsService
@testable import SearchService
@testable import UserService

/// A mock cluster with `user-events` and both dead-letter topics, and the
/// configurations that point the three services at it.
struct SystemWorld: Sendable {
    let broker: TestBroker
    let topic: String

    init() throws {
        broker = try TestBroker()
        topic = try broker.makeTopic("user-events", partitions: 6)
        for group in [SearchService.group, AnalyticsService.group] {
            try broker.cluster.createTopic(DeadLetter.topic(for: topic, group: group), partitions: 1)
        }
    }

    /// user-service on a free loopback port, its relay polling and beating every 200 ms.
    func userService(_ database: TestDatabase, managementPort: Int = 0) -> UserServiceConfiguration {
        var configuration = UserServiceConfiguration()
        configuration.http = HTTPServerSettings(host: "127.0.0.1", port: 0)
        configuration.management = HTTPServerSettings(host: "127.0.0.1", port: managementPort)
        configuration.databaseURL = database.url
        configuration.kafkaBrokers = broker.bootstrapServers
        configuration.relay.topic = topic
        configuration.relay.pollInterval = .milliseconds(200)
        configuration.relay.heartbeatInterval = .milliseconds(200)
        configuration.signingKey = TestEventKeys.signing
        configuration.access = TestTokens.settings
        return configuration
    }

    /// A consumer service on a free loopback port, with the tests' short group time-outs.
    func consumer(
        _ group: String, _ database: TestDatabase, managementPort: Int = 0, configure: (inout ConsumerConfiguration) -> Void = { _ in }
    ) -> ConsumerServiceConfiguration {
        var consumer = ConsumerConfiguration(group: group, databaseURL: database.url, verifyKeys: TestEventKeys.verify)
        consumer.kafkaBrokers = broker.bootstrapServers
        consumer.topic = topic
        consumer.sessionTimeoutMilliseconds = 6_000
        consumer.heartbeatIntervalMilliseconds = 500
        configure(&consumer)
        return ConsumerServiceConfiguration(
            consumer: consumer, http: HTTPServerSettings(host: "127.0.0.1", port: 0), management: HTTPServerSettings(host: "127.0.0.1", port: managementPort),
            access: TestTokens.settings
        )
    }

    /// The value of a metric line (`name` or `name{labels}`) in a service's registry.
    static func metric(_ name: String, _ telemetry: Telemetry) -> Double? {
        MetricText.value(name, in: telemetry.render())
    }

    /// A consumer's status as of its last lag line, from the `consumer_status` state set.
    static func consumerStatus(_ telemetry: Telemetry) -> LagStatus? {
        MetricText.state("consumer_status", label: "status", in: telemetry.render()).flatMap(LagStatus.init(rawValue:))
    }
}
