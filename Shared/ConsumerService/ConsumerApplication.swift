import Access
import Consistency
import Consumer
import Database
import HTTPSupport
import Hummingbird
import Logging
import Observability
import ServiceBootstrap
import ServiceConfiguration
import ServiceLifecycle

/// Builds a consumer service as one Hummingbird application (one `ServiceGroup`):
/// the consumer runtime (``ConsumerRuntime``), the service's own read API with `/health`
/// and `/ready`, and the management listener (``ManagementListener``: the probes,
/// `/metrics`, `/consistency/*`). Migrations run before the server starts; the consumer
/// and the dead-letter publisher wait for them.
public enum ConsumerApplication {
    public static func build<Definition: ConsumerServiceDefinition>(
        _ definition: Definition.Type,
        configuration: ConsumerServiceConfiguration,
        telemetry: Telemetry,
        logger: Logger
    ) async throws -> some ApplicationProtocol {
        let runtime = try ConsumerRuntime(
            configuration: configuration.consumer, projection: Definition.makeProjection(logger: logger),
            metrics: telemetry.registry, logger: logger, tracer: telemetry.tracer
        )
        let router = ServiceRouter.make(telemetry: telemetry)
        let checks = [
            ReadinessCheck(name: "database") { await runtime.isDatabaseReachable() },
            ReadinessCheck(name: "consumer") { runtime.isMakingProgress() },
            ReadinessCheck(name: "broker") { await runtime.isBrokerReachable() },
        ]
        OperationalRoutes.addProbes(to: router, checks: checks)
        // The service's routes need a bearer token (the group's middleware); the probes do not,
        // and an unknown path stays 404 without one.
        guard let access = configuration.access else { throw AccessSettings.missingJWKS }
        let api = router.group().add(middleware: AccessMiddleware(
            verifier: try await TokenVerifier.load(access), limiter: RateLimiter(ratePerSecond: access.ratePerSecond, burst: access.burst)
        ))
        let routeServices = Definition.addRoutes(to: api, runtime: runtime, logger: logger)
        ServiceRouter.refuseOtherMethods(on: router)
        let management = ManagementListener.application(
            settings: configuration.management, serverName: Definition.group, telemetry: telemetry, checks: checks, logger: logger
        ) { router in
            ConsistencyRoutes.add(
                to: router, heldUsers: { try await Definition.heldUsers(runtime.database) }, watermark: { try await runtime.projectionWatermark() }
            )
        }

        // The group stops services in reverse order: the consumer first, the database last, the
        // span exporter after everything (it sends what the others recorded).
        var app = Application(
            router: router,
            server: configuration.http.timeouts.server,
            configuration: configuration.http.applicationConfiguration(serverName: Definition.group),
            services: (telemetry.tracingService.map { [$0] } ?? []) + runtime.foundationServices + [management] + routeServices
                + runtime.consumingServices,
            logger: logger
        )
        Definition.schema(migrationsPath: configuration.consumer.migrationsPath).requireCurrentBeforeServing(
            &app, client: runtime.database.pool, database: configuration.consumer.databaseURL, migrateCommand: "\(Definition.group) migrate",
            ready: runtime.schemaReady, logger: logger
        )
        return app
    }
}
