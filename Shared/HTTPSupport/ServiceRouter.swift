import Hummingbird
import Logging

/// The router every service starts from: request ids, request logs at debug
/// level, problem+json errors, the 64 KiB body limit and HTTP metrics, in
/// that order.
public enum ServiceRouter {
    public static func make() -> Router<ServiceRequestContext> {
        let router = Router(context: ServiceRequestContext.self)
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: LogRequestsMiddleware(.debug))
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: BodyLimitMiddleware())
        router.add(middleware: MetricsMiddleware())
        return router
    }
}
