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

/// search-service: the consumer group `search-service`, its index and search API.
enum SearchService: ConsumerServiceDefinition {
    static let group = "search-service"
    static let defaultPort = 8082
    static let defaultManagementPort = 9182
    static let defaultDatabase = "search"
    static let abstract = "Full-text search over user profiles built from user-events (newest version wins, deletes are tombstones)."

    static func makeProjection(logger: Logger) -> SearchProjection {
        SearchProjection(logger: logger)
    }

    static func heldUsers(_ database: DatabaseClient) async throws -> [UserVersion] {
        try await database.query(
            """
            SELECT user_id, version, deleted, CASE WHEN deleted THEN '' ELSE \(unescaped: ProjectionContent.profile.hashSQL(name: "name", email: "email", bio: "bio")) END
            FROM user_documents ORDER BY user_id
            """,
            limit: .seconds(120)
        ).map { row in
            let (id, version, deleted, content) = try row.decode((UUID, Int64, Bool, String).self)
            return UserVersion(userId: id, version: version, content: content, deleted: deleted)
        }
    }

    static func addRoutes(to router: RouterGroup<ServiceRequestContext>, runtime: ConsumerRuntime, logger: Logger) -> [any Service] {
        let notifications = IndexNotifications(database: runtime.configuration.databaseURL, logger: logger)
        let search = router.group("search").add(middleware: IndexFreshnessMiddleware(staleness: { try await runtime.projectionStaleness() }))
        SearchController(database: runtime.database, notifications: notifications, logger: logger).addRoutes(to: search)
        return [notifications]
    }
}
