import Hummingbird
import Logging

/// Turns every error escaping a handler into an `application/problem+json`
/// response. Unknown errors become a 500 whose text never reaches the client;
/// the full error is logged instead (see ``HTTPProblem/init(answering:)``).
public struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            if let problem = HTTPProblem(answering: error) {
                return try problem.response(from: request, context: context)
            }
            context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            return try HTTPProblem(.internalServerError, "the server failed to process the request; it has been logged")
                .response(from: request, context: context)
        }
    }
}
