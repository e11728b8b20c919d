import HTTPTypes
import Hummingbird
import Logging
import Observability

/// The router every service starts from: a span per request (when tracing is on), `HEAD`
/// on every `GET` route, request ids, request logs at debug level, HTTP metrics,
/// problem+json errors and the 64 KiB body limit, in that order.
public enum ServiceRouter {
    /// Methods that answer 405 (rather than 404) on a known path that has no handler for them.
    static let refusedMethods: [HTTPRequest.Method] = [.get, .head, .post, .put, .patch, .delete, .options, .trace]

    /// A router whose HTTP metrics go to `telemetry`'s registry and whose requests are
    /// traced with its tracer, unless `traced` is `false` (the management listener: a
    /// scrape of `/metrics` is not a trace anyone looks for).
    public static func make(telemetry: Telemetry, traced: Bool = true) -> Router<ServiceRequestContext> {
        let router = Router(context: ServiceRequestContext.self, options: .autoGenerateHeadEndpoints)
        if traced && telemetry.isTracing { router.add(middleware: RequestTracingMiddleware(tracer: telemetry.tracer)) }
        router.add(middleware: HeadRequestMiddleware())
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: LogRequestsMiddleware(.debug))
        router.add(middleware: HTTPMetricsMiddleware(registry: telemetry.registry))
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: BodyLimitMiddleware())
        return router
    }

    /// Makes every path the router knows answer 405 with `Allow` to the methods it
    /// has no handler for (`HEAD` counts as handled wherever `GET` is), also methods no
    /// route can have (`QUERY`, `PROPFIND`, …). Call it once, after the last route is
    /// added; unknown paths stay 404.
    public static func refuseOtherMethods<Context: RequestContext>(on router: Router<Context>) {
        var methodsByPath: [String: (path: RouterPath, methods: Set<HTTPRequest.Method>)] = [:]
        for route in router.routes {
            methodsByPath[route.path.description, default: (route.path, [])].methods.insert(route.method)
        }
        var allowedByPattern: [(pattern: [Substring], allowed: [HTTPRequest.Method])] = []
        for (path, handled) in methodsByPath.values {
            var allowed = handled
            if allowed.contains(.get) { allowed.insert(.head) }
            let allowList = refusedMethods.filter(allowed.contains) + allowed.filter { !refusedMethods.contains($0) }.sorted { $0.rawValue < $1.rawValue }
            allowedByPattern.append((path.description.split(separator: "/"), allowList))
            for method in refusedMethods where !allowed.contains(method) {
                router.on(path, method: method) { request, _ -> Response in
                    throw HTTPProblem.methodNotAllowed(request.method, allowed: allowList)
                }
            }
        }
        // Added last, it wraps only what the router could not route: a method it has no
        // handler for anywhere ends there as a 404, which becomes 405 on a known path.
        router.add(middleware: UnknownMethodMiddleware(allowedByPattern: allowedByPattern))
    }
}
