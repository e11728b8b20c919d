import Consumer
import ConsumerService
import Database
import Events
import Foundation
import HTTPSupport
import Hummingbird
import HummingbirdTesting
import Kafka
import Logging
import NIOHTTP1
import Observability
import PostgresNIO
import AsyncPrimitives
import TestSupport

/// One topic (with the group's dead-letter topic) on a mock cluster, a
/// producer to publish test records, and helpers to look at the result.
struct ConsumerWorld: Sendable {
    let broker: TestBroker
    let topic: String
    let producer: KafkaProducer
    let admin: KafkaAdmin

    /// Publishes records signed as the relay signs them (`signedWith: nil` sends them unsigned).
    func publish(
        _ records: [TestRecord], to target: String? = nil, signedWith key: EventSigningKey? = TestEventKeys.signing, extraHeaders: [KafkaHeader] = []
    ) async throws {
        let results = await producer.sendBatch(records.map { record in
            KafkaProducerMessage(
                topic: target ?? topic, key: record.key, value: record.value,
                headers: (key.map { TestEventKeys.headers(key: record.key, value: record.value, signedWith: $0) } ?? []) + extraHeaders
            )
        })
        for result in results { _ = try result.get() }
    }

    /// A heartbeat on each partition, as the relay leader publishes them.
    func publishHeartbeats(watermark: Date, partitions: Int32 = 6, signedWith key: EventSigningKey? = TestEventKeys.signing) async throws {
        let record = TestEvents.heartbeat(watermark: watermark)
        let headers = key.map { TestEventKeys.headers(key: record.key, value: record.value, signedWith: $0) } ?? []
        let results = await producer.sendBatch((0..<partitions).map {
            KafkaProducerMessage(topic: topic, partition: $0, key: record.key, value: record.value, headers: headers)
        })
        for result in results { _ = try result.get() }
    }

    func deadLetterTopic(_ group: String) -> String { DeadLetter.topic(for: topic, group: group) }

    func lag(_ group: String) async throws -> Int64 {
        try await admin.lag(group: group, topic: topic).reduce(0) { $0 + $1.lag }
    }

    func configuration(_ group: String, database: TestDatabase) -> ConsumerConfiguration {
        var configuration = ConsumerConfiguration(group: group, databaseURL: database.url, verifyKeys: TestEventKeys.verify)
        configuration.kafkaBrokers = broker.bootstrapServers
        configuration.topic = topic
        configuration.lagLogInterval = .milliseconds(500)
        configuration.sessionTimeoutMilliseconds = 6_000
        configuration.heartbeatIntervalMilliseconds = 500
        configuration.retry.cap = .seconds(1)
        return configuration
    }
}

/// A running consumer service instance, reachable over real HTTP.
struct ConsumerInstance: Sendable {
    let http: HTTPTestClient
    /// The management listener: `/metrics`, `/consistency/*`.
    let management: HTTPTestClient
    let telemetry: Telemetry

    /// The value of a metric line (`name` or `name{labels}`) on this instance.
    func metric(_ name: String) -> Double? {
        MetricText.value(name, in: telemetry.render())
    }

    /// The status of the last lag line, from the `consumer_status` state set.
    func status() -> LagStatus? {
        MetricText.state("consumer_status", label: "status", in: telemetry.render()).flatMap(LagStatus.init(rawValue:))
    }

    /// `GET path`, its body read as the service's own response type (fails the test unless 200).
    func get<Body: Decodable>(_ path: String, as body: Body.Type) async throws -> Body {
        let response = try await http.send(.GET, path)
        guard response.status == 200 else { throw TestFailure("GET \(path): \(response.status) \(response.text)") }
        return try response.decode(body)
    }
}

/// A mock cluster, a topic with 6 partitions and the dead-letter topics of both groups, and a running producer.
func withConsumerWorld(partitions: Int = 6, _ body: @Sendable (ConsumerWorld) async throws -> Void) async throws {
    let broker = try TestBroker()
    let topic = try broker.makeTopic("user-events", partitions: partitions)
    for group in ["analytics-service", "search-service"] {
        try broker.cluster.createTopic(DeadLetter.topic(for: topic, group: group), partitions: 1)
    }
    let producer = try KafkaProducer(configuration: broker.producerConfiguration(), logger: broker.logger)
    let admin = try KafkaAdmin(bootstrapServers: broker.bootstrapServers, logger: broker.logger)
    try await withRunningService(producer) {
        try await body(ConsumerWorld(broker: broker, topic: topic, producer: producer, admin: admin))
    }
}

/// Runs one instance of a consumer service on `database` for the duration of `body`, then shuts it down gracefully.
func withConsumerService<Definition: ConsumerServiceDefinition>(
    _ definition: Definition.Type,
    world: ConsumerWorld,
    database: TestDatabase,
    configure: (inout ConsumerServiceConfiguration) -> Void = { _ in },
    logger: Logger? = nil,
    _ body: @Sendable (ConsumerInstance) async throws -> Void
) async throws {
    var configuration = ConsumerServiceConfiguration(
        consumer: world.configuration(Definition.group, database: database), http: HTTPServerSettings(host: "127.0.0.1", port: 0),
        management: HTTPServerSettings(host: "127.0.0.1", port: try freeLocalPort()), access: TestTokens.settings
    )
    configure(&configuration)
    let managementPort = configuration.management.port
    let telemetry = Telemetry()
    try await database.migrate(Definition.schema(migrationsPath: nil))
    let app = try await ConsumerApplication.build(
        Definition.self, configuration: configuration, telemetry: telemetry, logger: logger ?? testLogger(Definition.group)
    )
    try await app.test(.live) { client in
        try await body(ConsumerInstance(
            http: HTTPTestClient(port: client.port!), management: HTTPTestClient(port: managementPort), telemetry: telemetry
        ))
    }
}

extension TestDatabase {
    func count(_ table: String, where condition: String = "true") async throws -> Int {
        let rows = try await client.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table) WHERE \(condition)"))
        for try await count in rows.decode(Int.self) { return count }
        return 0
    }
}
