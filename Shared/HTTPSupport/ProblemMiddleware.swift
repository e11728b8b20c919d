import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1

/// Turns every error escaping a handler into an `application/problem+json`
/// response. Unknown errors become a 500 whose text never reaches the client;
/// the full error is logged instead. A body the HTTP/1.1 decoder refuses is 400.
public struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as HTTPProblem {
            return try problem.response(from: request, context: context)
        } catch let error as HTTPError {
            var problem = HTTPProblem(error.status, error.body ?? Self.defaultDetail(for: error.status))
            problem.headers = error.headers
            problem.headers[.contentType] = nil
            return try problem.response(from: request, context: context)
        } catch let error as HTTPParserError {
            // The body after an accepted head broke HTTP/1.1 (a malformed chunk, say): the
            // client's fault, and the connection cannot be trusted for another request.
            var problem = HTTPProblem(.badRequest, "the request body is not valid HTTP/1.1 (\(error))")
            problem.headers[.connection] = "close"
            return try problem.response(from: request, context: context)
        } catch is NIOTooManyBytesError {
            return try HTTPProblem(.contentTooLarge, "request bodies are limited to \(ServiceRequestContext.maximumBodySize) bytes")
                .response(from: request, context: context)
        } catch let error as any HTTPResponseError where error.status.code < 500 {
            return try HTTPProblem(error.status, Self.defaultDetail(for: error.status)).response(from: request, context: context)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            return try HTTPProblem(.internalServerError, "the server failed to process the request; it has been logged")
                .response(from: request, context: context)
        }
    }

    static func defaultDetail(for status: HTTPResponse.Status) -> String {
        switch status {
        case .notFound: "no such resource"
        case .methodNotAllowed: "this method is not allowed on this resource"
        case .contentTooLarge: "request bodies are limited to \(ServiceRequestContext.maximumBodySize) bytes"
        default: status.reasonPhrase
        }
    }
}
