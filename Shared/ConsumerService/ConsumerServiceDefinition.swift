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

/// What makes a consumer service different from the other one: its name and
/// defaults, its projection, and its HTTP routes. Everything else (the group
/// consumer, dead letters, lag line, migrations, commands) is shared.
public protocol ConsumerServiceDefinition: MigratableService, SendableMetatype {
    associatedtype Projection: EventProjection

    /// The service name, also its consumer group.
    static var group: String { get }
    static var defaultPort: Int { get }
    /// The management listener's default port (`MANAGEMENT_PORT`).
    static var defaultManagementPort: Int { get }
    /// The default database name in `DATABASE_URL`.
    static var defaultDatabase: String { get }
    static var abstract: String { get }

    static func makeProjection(logger: Logger) -> Projection

    /// What the projection holds of each user, live and deleted, in id order, for the
    /// consistency digest: the content hash by the projection's ``ProjectionContent``.
    static func heldUsers(_ database: DatabaseClient) async throws -> [UserVersion]

    /// Adds the service's read API and returns any long-running services it needs
    /// (`runtime` gives the database, the configuration and the projection's freshness).
    /// Every route of `router` needs a bearer token (the group carries the access middleware).
    static func addRoutes(to router: RouterGroup<ServiceRequestContext>, runtime: ConsumerRuntime, logger: Logger) -> [any Service]
}

extension ConsumerServiceDefinition {
    public static var serviceName: String { group }

    /// The runtime's tables (dedup, dead-letter outbox; their own history table), then the projection's.
    public static func schema(migrationsPath: String?) -> SchemaMigrations {
        SchemaMigrations([
            MigrationSet(folder: "consumer", historyTable: "schema_migrations_consumer"),
            MigrationSet(folder: Projection.migrationsName),
        ], migrationsPath: migrationsPath)
    }

    /// `migrate` needs the database and the migrations only (no broker, no event keys).
    public static func migrationTarget(environment: [String: String]) throws(ConfigurationError) -> MigrationTarget {
        let reader = EnvironmentReader(environment)
        let migrationsPath = try reader.value(Settings.migrationsPath)
        return MigrationTarget(
            databaseURL: try PostgresURL.migration(from: reader),
            schema: schema(migrationsPath: migrationsPath),
            logging: try LoggingSettings(environment: reader)
        )
    }

    /// Reads the configuration and sets up logging and metrics: the start of `serve` and `redrive`.
    static func bootstrap() throws -> (ConsumerServiceConfiguration, Telemetry, Logger) {
        try ProcessBootstrap.start(service: group, logging: \.logging) { environment throws(ConfigurationError) in
            try ConsumerServiceConfiguration(Self.self, environment: environment)
        }
    }

    /// The start of `rebuild`: the service's configuration, connected as the database's owner
    /// role (`MIGRATION_DATABASE_URL`), because a rebuild creates, moves and drops tables.
    static func bootstrapAsOwner() throws -> (ConsumerServiceConfiguration, Telemetry, Logger) {
        try ProcessBootstrap.start(service: group, logging: \.logging) { environment throws(ConfigurationError) in
            var configuration = try ConsumerServiceConfiguration(Self.self, environment: environment)
            configuration.consumer.databaseURL = try PostgresURL.migration(from: EnvironmentReader(environment))
            return configuration
        }
    }
}
