import HTTPTypes
import Hummingbird

/// Refuses a declared body over the limit with 413 before anything reads it.
/// Bodies without a length are limited where they are collected.
public struct BodyLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > ServiceRequestContext.maximumBodySize {
            throw HTTPProblem(.contentTooLarge, "request bodies are limited to \(ServiceRequestContext.maximumBodySize) bytes; this one has \(length)")
        }
        return try await next(request, context)
    }
}
