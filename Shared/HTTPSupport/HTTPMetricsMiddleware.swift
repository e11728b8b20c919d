import HTTPTypes
import Hummingbird
import Observability
import Prometheus

/// Counts and times every request as `http_server_requests_total` and
/// `http_server_request_duration_seconds`, labelled `method`, `route` and `status`.
///
/// `route` is the pattern the router matched (`/users/{id}`, never the concrete
/// id) or `NotFound`, and `method` is `_OTHER` for a method outside HTTP's
/// common ones, so a client cannot make up new series. `status` is the code the
/// client gets (`"412"`): the middleware sits outside ``ProblemMiddleware``, so
/// errors are counted with the status of their problem response.
public struct HTTPMetricsMiddleware: RouterMiddleware {
    public typealias Context = ServiceRequestContext
    static let knownMethods: Set<HTTPRequest.Method> = [.get, .head, .post, .put, .patch, .delete, .options, .trace, .connect]
    static let unmatchedRoute = "NotFound"

    let registry: PrometheusCollectorRegistry

    public init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(request, context, status: response.status, duration: .now - start)
            return response
        } catch {
            record(request, context, status: HTTPProblem.status(answering: error), duration: .now - start)
            throw error
        }
    }

    private func record(_ request: Request, _ context: Context, status: HTTPResponse.Status, duration: Duration) {
        let labels = [
            ("method", Self.knownMethods.contains(request.method) ? request.method.rawValue : "_OTHER"),
            // The router sets the matched pattern in a box shared with this context, also when it answers 404.
            ("route", context.endpointPath ?? Self.unmatchedRoute),
            ("status", String(status.code)),
        ]
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                "http_server_requests_total", help: "HTTP requests answered, by method, matched route pattern and status code."
            ),
            labels: labels
        ).increment()
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                "http_server_request_duration_seconds",
                help: "Time from an HTTP request's arrival to its response, by method, matched route pattern and status code."
            ),
            labels: labels, buckets: Telemetry.durationBuckets
        ).record(duration)
    }
}
