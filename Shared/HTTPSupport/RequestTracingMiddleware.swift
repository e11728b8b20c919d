import HTTPTypes
import Hummingbird
import Tracing

/// A server span per request, continuing the caller's W3C `traceparent` (and `tracestate`)
/// or starting a trace: named `<METHOD> <route>` (`PUT /users/{id}`), with the method, route,
/// path, status and request id as attributes; a 5xx marks it failed. What the handler
/// runs — the database statement, the log lines — happens inside it (`ServiceContext.current`).
///
/// The tracer is the service's own (``Telemetry/tracer``), not a process-wide one, so that
/// several services in one process (the tests) each trace as themselves.
public struct RequestTracingMiddleware: RouterMiddleware {
    public typealias Context = ServiceRequestContext
    let tracer: any Tracer

    public init(tracer: any Tracer) {
        self.tracer = tracer
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var parent = ServiceContext.current ?? .topLevel
        tracer.extract(request.headers, into: &parent, using: HTTPFieldsExtractor())
        let method = request.method.rawValue
        let span = tracer.startSpan(method, context: parent, ofKind: .server)
        defer { span.end() }
        do {
            let response = try await ServiceContext.$current.withValue(span.context) {
                try await next(request, context)
            }
            finish(span, request, context: context, status: Int(response.status.code), requestID: response.headers[RequestIDMiddleware.header])
            return response
        } catch {
            let status = Int((error as? any HTTPResponseError)?.status.code ?? 500)
            finish(span, request, context: context, status: status, requestID: nil)
            if status >= 500 { span.recordError(error) }
            throw error
        }
    }

    /// Names the span by its route and sets its attributes, in one update (each is a lock in the span).
    private func finish(_ span: any Span, _ request: Request, context: Context, status: Int, requestID: String?) {
        let route = context.endpointPath.map(Self.openAPIForm)
        if let route { span.operationName = "\(request.method.rawValue) \(route)" }
        span.updateAttributes { attributes in
            attributes["http.request.method"] = request.method.rawValue
            attributes["url.path"] = request.uri.path
            attributes["http.route"] = route
            attributes["http.response.status_code"] = status
            attributes["http.request.id"] = requestID
        }
        if status >= 500 { span.setStatus(SpanStatus(code: .error)) }
    }

    /// `/users/:id` as OpenAPI and OpenTelemetry write routes: `/users/{id}`.
    static func openAPIForm(_ route: String) -> String {
        route.split(separator: "/", omittingEmptySubsequences: false).map { part in
            part.hasPrefix(":") ? "{\(part.dropFirst())}" : String(part)
        }.joined(separator: "/")
    }
}

/// Reads `traceparent` and `tracestate` from request headers.
struct HTTPFieldsExtractor: Extractor {
    func extract(key: String, from carrier: HTTPFields) -> String? {
        guard let name = HTTPField.Name(key) else { return nil }
        let values = carrier[values: name]
        return values.isEmpty ? nil : values.joined(separator: ",")
    }
}
