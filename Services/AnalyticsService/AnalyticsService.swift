import Consistency
import Consumer
import ConsumerService
import Database
import Foundation
import HTTPSupport
import Hummingbird
import Logging
import PostgresNIO
import ServiceLifecycle

/// analytics-service: the consumer group `analytics-service`, its projection and read API.
enum AnalyticsService: ConsumerServiceDefinition {
    static let group = "analytics-service"
    static let defaultPort = 8081
    static let defaultManagementPort = 9181
    static let defaultDatabase = "analytics"
    static let abstract = "Counts user profile activity from user-events (idempotent consumer with dead letters and lag logs)."

    static func makeProjection(logger: Logger) -> AnalyticsProjection {
        AnalyticsProjection(logger: logger)
    }

    static func heldUsers(_ database: DatabaseClient) async throws -> [UserVersion] {
        try await database.query("SELECT user_id, last_version, deleted FROM user_activity ORDER BY user_id", limit: .seconds(120)).map { row in
            let (id, version, deleted) = try row.decode((UUID, Int64, Bool).self)
            return UserVersion(userId: id, version: version, deleted: deleted)
        }
    }

    static func addRoutes(to router: RouterGroup<ServiceRequestContext>, runtime: ConsumerRuntime, logger: Logger) -> [any Service] {
        AnalyticsController(database: runtime.database).addRoutes(to: router.group("analytics"))
        return []
    }
}
