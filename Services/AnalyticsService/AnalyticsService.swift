import Consumer
import ConsumerService
import Database
import HTTPSupport
import Hummingbird
import Logging
import ServiceLifecycle

/// analytics-service: the consumer group `analytics-service`, its projection and read API.
enum AnalyticsService: ConsumerServiceDefinition {
    static let group = "analytics-service"
    static let defaultPort = 8081
    static let defaultDatabase = "analytics"
    static let abstract = "Counts user profile activity from user-events (idempotent consumer with dead letters and lag logs)."

    static func makeProjection(logger: Logger) -> AnalyticsProjection {
        AnalyticsProjection(logger: logger)
    }

    static func addRoutes(to router: Router<ServiceRequestContext>, runtime: ConsumerRuntime, logger: Logger) -> [any Service] {
        AnalyticsController(database: runtime.database).addRoutes(to: router.group("analytics"))
        return []
    }
}
