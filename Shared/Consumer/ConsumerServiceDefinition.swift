import Database
import HTTPSupport
import Hummingbird
import Logging
import ServiceLifecycle

/// What makes a consumer service different from the other one: its name and
/// defaults, its projection, and its HTTP routes. Everything else (the group
/// consumer, dead letters, lag line, migrations, commands) is shared.
public protocol ConsumerServiceDefinition {
    associatedtype Projection: EventProjection

    /// The service name, also its consumer group.
    static var group: String { get }
    static var defaultPort: Int { get }
    /// The default database name in `DATABASE_URL`.
    static var defaultDatabase: String { get }
    static var abstract: String { get }

    static func makeProjection(logger: Logger) -> Projection

    /// Adds the service's read API; returns any long-running services it needs.
    static func addRoutes(
        to router: Router<ServiceRequestContext>, database: DatabaseClient, configuration: ConsumerConfiguration, logger: Logger
    ) -> [any Service]
}
