import Database
import EventLog
import HTTPSupport
import Hummingbird
import Logging
import Observability
import PostgresNIO
import Resilience
import ServiceLifecycle

/// Builds a consumer service as one Hummingbird application (one `ServiceGroup`):
/// the PostgreSQL client, the dead-letter producer, the group consumer, the lag
/// reporter, the service's own read API and `/health`, `/ready`, `/metrics`.
/// Migrations run before the server starts; the consumer waits for them.
public enum ConsumerApplication {
    public static func build<Definition: ConsumerServiceDefinition>(
        _ definition: Definition.Type,
        configuration: ConsumerConfiguration,
        telemetry: Telemetry,
        logger: Logger
    ) throws -> some ApplicationProtocol {
        let postgres = PostgresClient(configuration: configuration.databaseURL.clientConfiguration(), backgroundLogger: logger)
        let database = DatabaseClient(pool: postgres, logger: logger)
        var consumerConfiguration = KafkaConsumerConfiguration(bootstrapServers: configuration.kafkaBrokers, groupID: configuration.group)
        consumerConfiguration.clientID = configuration.group
        consumerConfiguration.sessionTimeoutMilliseconds = configuration.sessionTimeoutMilliseconds
        consumerConfiguration.heartbeatIntervalMilliseconds = configuration.heartbeatIntervalMilliseconds
        consumerConfiguration.properties = configuration.consumerProperties
        let consumer = try KafkaConsumer(configuration: consumerConfiguration, logger: logger)
        var producerConfiguration = KafkaProducerConfiguration(bootstrapServers: configuration.kafkaBrokers)
        producerConfiguration.clientID = "\(configuration.group)-dlq"
        producerConfiguration.deliveryTimeoutMilliseconds = 10_000
        producerConfiguration.properties = configuration.consumerProperties.filter { $0.key != "debug" }
        let deadLetters = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        let admin = try KafkaAdmin(bootstrapServers: configuration.kafkaBrokers, properties: configuration.consumerProperties, logger: logger)

        let statistics = ConsumerStatistics(metrics: ConsumerMetrics(factory: telemetry.metricsFactory))
        let schemaReady = AsyncLatch()
        let databaseReachable: @Sendable () async -> Bool = { await database.isReachable() }
        let deadLetterWakeUp = WakeUpSignal()
        let eventConsumer = EventConsumer(
            configuration: configuration, consumer: consumer,
            store: ProcessedEventsStore(database: database, projection: Definition.makeProjection(logger: logger), logger: logger),
            statistics: statistics, logger: logger, schemaReady: schemaReady, deadLetterWakeUp: deadLetterWakeUp
        )
        let publisher = DeadLetterPublisher(
            outbox: DeadLetterOutbox(database: database, logger: logger), producer: deadLetters, admin: admin,
            makeReader: {
                var reader = KafkaConsumerConfiguration(bootstrapServers: configuration.kafkaBrokers, groupID: "\(configuration.group)-dlq-check")
                reader.properties = configuration.consumerProperties.filter { $0.key != "debug" }
                return try KafkaConsumer(configuration: reader, logger: logger)
            },
            topic: configuration.deadLetterTopic, group: configuration.group, wakeUp: deadLetterWakeUp, logger: logger, schemaReady: schemaReady
        )
        let lagReporter = LagReporter(
            group: configuration.group, topic: configuration.topic, interval: configuration.lagLogInterval,
            stuckAfter: configuration.stuckAfter, admin: admin, statistics: statistics, logger: logger, databaseReachable: databaseReachable
        )

        let router = ServiceRouter.make()
        OperationalRoutes.add(to: router, checks: [
            ReadinessCheck(name: "database", check: databaseReachable),
            ReadinessCheck(name: "consumer") { !statistics.snapshot.isStuck(after: configuration.stuckAfter) },
            ReadinessCheck(name: "broker") { await admin.isReachable(timeout: .seconds(2)) },
        ], telemetry: telemetry)
        let extraServices = Definition.addRoutes(to: router, database: database, configuration: configuration, logger: logger)
        ServiceRouter.refuseOtherMethods(on: router)

        // The group stops services in reverse order: the consumer first (it commits
        // and leaves the group), then the lag reporter, the dead-letter publisher,
        // the producer, the database.
        var app = Application(
            router: router,
            server: configuration.httpTimeouts.server,
            configuration: .init(address: .hostname(configuration.httpHost, port: configuration.httpPort), serverName: configuration.group),
            services: [postgres, deadLetters, publisher] + extraServices + [lagReporter, eventConsumer],
            logger: logger
        )
        app.beforeServerStarts {
            do {
                let applied = try await MigrationRunner(
                    service: Definition.Projection.migrationsName, migrationsPath: configuration.migrationsPath, client: postgres, logger: logger
                ).migrate()
                logger.info("database ready", metadata: ["database": "\(configuration.databaseURL)", "migrations_applied": "\(applied.count)"])
                schemaReady.open()
            } catch {
                schemaReady.fail(error)
                throw error
            }
        }
        return app
    }
}
