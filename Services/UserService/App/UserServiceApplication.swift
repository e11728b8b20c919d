import Access
import AsyncPrimitives
import Consistency
import Database
import HTTPSupport
import Hummingbird
import Kafka
import Logging
import Observability
import PostgresNIO
import ServiceBootstrap
import ServiceLifecycle

/// What a process runs: the HTTP API, the outbox relay, or both.
enum UserServiceRole: Sendable {
    case apiAndRelay
    case apiOnly
    case relayOnly
}

/// Builds user-service: its PostgreSQL client, producer, relay and HTTP routes,
/// composed as services of one Hummingbird application (one `ServiceGroup`).
func buildApplication(
    configuration: UserServiceConfiguration,
    role: UserServiceRole,
    telemetry: Telemetry,
    logger: Logger
) async throws -> some ApplicationProtocol {
    let postgres = PostgresClient(configuration: configuration.databaseURL.clientConfiguration(), backgroundLogger: logger)
    let database = DatabaseClient(pool: postgres, logger: logger)
    let admin = try configuration.makeAdmin(logger: logger)

    let router = ServiceRouter.make(telemetry: telemetry)

    let checks = [
        ReadinessCheck(name: "database") { await database.isReachable() },
        ReadinessCheck(name: "broker") {
            await admin.isReachable(timeout: .seconds(2))
        },
    ]
    OperationalRoutes.addProbes(to: router, checks: checks)
    let store = UserStore(database: database, logger: logger, tracer: telemetry.tracer)
    let management = ManagementListener.application(
        settings: configuration.management, serverName: "user-service", telemetry: telemetry, checks: checks, logger: logger
    ) { router in
        ConsistencyRoutes.add(to: router, heldUsers: { try await store.liveUsers(content: .profile) })
    }

    // Opened by the start-up schema check; what needs the schema starts after it (GatedService).
    let schemaReady = AsyncLatch()
    let keys = IdempotencyKeys(database: database, retention: configuration.idempotencyKeyRetention, logger: logger)
    // The span exporter first: the group stops services in reverse order, so it sends what the others recorded.
    var services: [any Service] = (telemetry.tracingService.map { [$0] } ?? []) + [postgres, management]
    if role != .relayOnly {
        // The /users routes need a bearer token (the group's middleware); the probes do not,
        // and an unknown path stays 404 without one.
        let access = try configuration.requiredAccess()
        let api = router.group().add(middleware: AccessMiddleware(
            verifier: try await TokenVerifier.load(access), limiter: RateLimiter(ratePerSecond: access.ratePerSecond, burst: access.burst)
        ))
        let controller = UserController(
            store: store, writes: UserWrites(database: database, idempotencyKeys: keys), metrics: UserWriteMetrics(registry: telemetry.registry)
        )
        controller.addRoutes(to: api.group("users"))
        services.append(GatedService(
            StoreRetentionPurger(keys: keys, store: store, tombstoneRetention: configuration.tombstoneRetention, interval: .seconds(60), logger: logger),
            after: schemaReady
        ))
    }
    if role != .apiOnly {
        let signingKey = try configuration.requiredSigningKey()
        let producer = try KafkaProducer(configuration: configuration.producerConfiguration, logger: logger)
        let leadership = Leadership()
        let relay = OutboxRelay(
            database: configuration.databaseURL, producer: producer, admin: admin, configuration: configuration.relay, signingKey: signingKey,
            metrics: OutboxMetrics(registry: telemetry.registry), logger: logger, leadership: leadership, tracer: telemetry.tracer
        )
        // The group stops services in reverse order: the relay stops before the producer flushes.
        services.append(producer)
        services.append(GatedService(relay, after: schemaReady))
        if configuration.antiEntropyInterval > .zero {
            services.append(AntiEntropyService(
                interval: configuration.antiEntropyInterval, repair: configuration.antiEntropyRepair,
                targets: [("search", configuration.searchURL, .profile), ("analytics", configuration.analyticsURL, .versionOnly)],
                store: store, repairs: Repairs(database: database, store: store, logger: logger), leadership: leadership,
                metrics: AntiEntropyMetrics(registry: telemetry.registry), logger: logger
            ))
        }
    }

    ServiceRouter.refuseOtherMethods(on: router)
    var app = Application(
        router: router,
        server: configuration.http.timeouts.server,
        configuration: configuration.http.applicationConfiguration(serverName: "user-service"),
        services: services,
        logger: logger
    )
    configuration.schema.requireCurrentBeforeServing(
        &app, client: postgres, database: configuration.databaseURL, migrateCommand: "user-service migrate", ready: schemaReady, logger: logger
    )
    return app
}
