import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Accepts the client's `X-Request-ID` (if it is a sane token) or generates
/// one, puts it in the context and the request's log metadata, and echoes it.
public struct RequestIDMiddleware: RouterMiddleware {
    public typealias Context = ServiceRequestContext
    public static let header = HTTPField.Name("X-Request-ID")!

    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let requestID = request.headers[Self.header].flatMap(Self.accept) ?? UUID().uuidString.lowercased()
        context.requestID = requestID
        context.logger[metadataKey: "request_id"] = "\(requestID)"
        var response = try await next(request, context)
        response.headers[Self.header] = requestID
        return response
    }

    /// A request id is 1–128 visible ASCII characters; anything else is replaced.
    static func accept(_ value: String) -> String? {
        guard (1...128).contains(value.utf8.count), value.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else { return nil }
        return value
    }
}
