import AsyncPrimitives
import Database
import Foundation
import Kafka
import Logging
import PostgresNIO
import Prometheus
import ServiceLifecycle
import Tracing

/// The consumer runtime of one service instance, built from its configuration
/// and projection: the database pool, the group consumer, the dead-letter
/// producer and publisher, and the lag reporter, as services to run, plus the
/// checks `/ready` asks. A service adds its HTTP API around it
/// (`ConsumerApplication` in the ConsumerService module).
public struct ConsumerRuntime: Sendable {
    public let configuration: ConsumerConfiguration
    public let database: DatabaseClient
    public let statistics: ConsumerStatistics
    /// Opened once the schema is migrated; the services that use it (consuming, publishing
    /// dead letters, purging) start after it (``GatedService``).
    public let schemaReady = AsyncLatch()
    let admin: KafkaAdmin
    /// Run first and stopped last: the pool, the dead-letter producer and publisher.
    public let foundationServices: [any Service]
    /// Run last and stopped first: the lag reporter, then the group consumer
    /// (stopping first, it commits what was applied and leaves the group at once).
    public let consumingServices: [any Service]

    public init(
        configuration: ConsumerConfiguration, projection: any EventProjection, metrics: PrometheusCollectorRegistry, logger: Logger,
        tracer: any Tracer = NoOpTracer()
    ) throws {
        self.configuration = configuration
        let postgres = PostgresClient(configuration: configuration.databaseURL.clientConfiguration(), backgroundLogger: logger)
        let database = DatabaseClient(pool: postgres, logger: logger)
        self.database = database
        let consumer = try KafkaConsumer(configuration: configuration.groupConsumerConfiguration(), logger: logger)
        let producer = try KafkaProducer(configuration: configuration.deadLetterProducerConfiguration, logger: logger)
        let admin = try configuration.makeAdmin(logger: logger)
        self.admin = admin
        let consumerMetrics = ConsumerMetrics(registry: metrics)
        let statistics = ConsumerStatistics(metrics: consumerMetrics)
        self.statistics = statistics

        let deadLetterWakeUp = WakeUpSignal()
        let eventConsumer = EventConsumer(
            configuration: configuration, consumer: consumer,
            store: ProcessedEventsStore(database: database, projection: projection, logger: logger),
            statistics: statistics, logger: logger, deadLetterWakeUp: deadLetterWakeUp, tracer: tracer
        )
        let publisher = DeadLetterPublisher(
            outbox: DeadLetterOutbox(database: database, logger: logger), producer: producer, admin: admin,
            makeReader: { try KafkaConsumer(configuration: configuration.deadLetterCheckConsumerConfiguration, logger: logger) },
            topic: configuration.deadLetterTopic, group: configuration.group, wakeUp: deadLetterWakeUp, retry: configuration.retry, logger: logger
        )
        let lagReporter = LagReporter(
            group: configuration.group, topic: configuration.topic, interval: configuration.lagLogInterval,
            stuckAfter: configuration.stuckAfter, stalenessSLO: configuration.stalenessSLO, admin: admin, statistics: statistics, logger: logger,
            databaseReachable: { await database.isReachable() },
            projectionStaleness: { try? await Self.projectionWatermark(database).map { ConsumerStatistics.Snapshot.staleness(of: $0) } }
        )
        let purger = RetentionPurger(
            database: database, projection: projection, dedupRetention: configuration.dedupRetention,
            tombstoneRetention: configuration.tombstoneRetention, metrics: consumerMetrics, logger: logger
        )
        foundationServices = [postgres, producer, GatedService(publisher, after: schemaReady), GatedService(purger, after: schemaReady)]
        consumingServices = [lagReporter, GatedService(eventConsumer, after: schemaReady)]
    }

    /// `/ready`: the database answers within 2 s.
    public func isDatabaseReachable() async -> Bool { await database.isReachable() }

    /// `/ready`: the broker answers within 2 s.
    public func isBrokerReachable() async -> Bool { await admin.isReachable(timeout: .seconds(2)) }

    /// How far this database's projection may be behind the source: now − the oldest of the
    /// latest heartbeat watermarks over all partitions (every instance's, not only this
    /// one's); `nil` before the first heartbeat was applied.
    public func projectionStaleness() async throws -> Duration? {
        guard let oldest = try await projectionWatermark() else { return nil }
        return ConsumerStatistics.Snapshot.staleness(of: oldest)
    }

    /// The oldest of the latest heartbeat watermarks over all partitions: the projection
    /// holds every change the source made before it. `nil` before the first heartbeat.
    public func projectionWatermark() async throws -> Date? {
        try await Self.projectionWatermark(database)
    }

    static func projectionWatermark(_ database: DatabaseClient) async throws -> Date? {
        let rows = try await database.query("SELECT min(watermark) FROM consumer_watermarks", limit: .seconds(2))
        return try rows.first?.decode(Date?.self)
    }

    /// `/ready`: the apply loop is not stuck (see `STUCK_AFTER_SECONDS`).
    public func isMakingProgress() -> Bool { !statistics.snapshot.isStuck(after: configuration.stuckAfter) }
}
