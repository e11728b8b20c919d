import Database
import Observability
import ServiceConfiguration

/// A service whose `migrate` command is ``MigrateCommand``.
public protocol MigratableService {
    /// The name in logs.
    static var serviceName: String { get }

    /// What `migrate` needs, read from the environment.
    static func migrationTarget(environment: [String: String]) throws(ConfigurationError) -> MigrationTarget
}

/// The database to migrate, the migrations, and how to log.
public struct MigrationTarget: Sendable {
    public var databaseURL: PostgresURL
    public var schema: SchemaMigrations
    public var logging: LoggingSettings

    public init(databaseURL: PostgresURL, schema: SchemaMigrations, logging: LoggingSettings) {
        self.databaseURL = databaseURL
        self.schema = schema
        self.logging = logging
    }
}
