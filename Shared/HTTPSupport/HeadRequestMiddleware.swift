import HTTPTypes
import Hummingbird

/// Answers `HEAD` with the headers of the response and no body (RFC 9110 §9.3.2),
/// also when that response is an error: a body after a HEAD response would be read
/// by the client as the start of the next response. Routing `HEAD` to the `GET`
/// handler is the router's `.autoGenerateHeadEndpoints`.
public struct HeadRequestMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let response = try await next(request, context)
        return request.method == .head ? response.createHeadResponse() : response
    }
}
