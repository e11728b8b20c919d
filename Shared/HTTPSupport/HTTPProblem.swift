import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1

/// An error that answers as an RFC 9457 problem.
public struct HTTPProblem: HTTPResponseError, CustomStringConvertible {
    public static let mediaType = "application/problem+json"

    public var status: HTTPResponse.Status
    public var detail: String
    public var currentVersion: Int64?
    public var field: String?
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ detail: String, currentVersion: Int64? = nil, field: String? = nil) {
        self.status = status
        self.detail = detail
        self.currentVersion = currentVersion
        self.field = field
    }

    public var description: String { "\(status.code) \(status.reasonPhrase): \(detail)" }

    public var details: ProblemDetails {
        ProblemDetails(title: status.reasonPhrase, status: status.code, detail: detail, currentVersion: currentVersion, field: field)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = headers
        headers[.contentType] = Self.mediaType
        return Response(status: status, headers: headers, body: .init(byteBuffer: encodedDetails()))
    }

    /// The problem document as JSON, for responses written without a request context.
    public func encodedDetails() -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Strings and integers only: encoding cannot fail.
        return ByteBuffer(bytes: (try? encoder.encode(details)) ?? Data())
    }

    /// The problem an error escaping a handler answers as, or `nil` for an unexpected
    /// error (a 500 whose text must not reach the client). A body the HTTP/1.1 decoder
    /// refuses is 400, one over the size limit 413.
    public init?(answering error: any Error) {
        switch error {
        case let problem as HTTPProblem:
            self = problem
        case let error as any HTTPProblemConvertible:
            self = error.problem
        case let error as HTTPError:
            self.init(error.status, error.body ?? Self.defaultDetail(for: error.status))
            headers = error.headers
            headers[.contentType] = nil
        case let error as HTTPParserError:
            // The body after an accepted head broke HTTP/1.1 (a malformed chunk, say): the
            // client's fault, and the connection cannot be trusted for another request.
            self.init(.badRequest, "the request body is not valid HTTP/1.1 (\(error))")
            headers[.connection] = "close"
        case is NIOTooManyBytesError:
            self.init(.contentTooLarge, "request bodies are limited to \(ServiceRequestContext.maximumBodySize) bytes")
        case let error as any HTTPResponseError where error.status.code < 500:
            self.init(error.status, Self.defaultDetail(for: error.status))
        default:
            return nil
        }
    }

    /// The status the response to `error` has (see ``init(answering:)``).
    public static func status(answering error: any Error) -> HTTPResponse.Status {
        HTTPProblem(answering: error)?.status ?? .internalServerError
    }

    static func defaultDetail(for status: HTTPResponse.Status) -> String {
        switch status {
        case .notFound: "no such resource"
        case .methodNotAllowed: "this method is not allowed on this resource"
        case .contentTooLarge: "request bodies are limited to \(ServiceRequestContext.maximumBodySize) bytes"
        default: status.reasonPhrase
        }
    }

    // MARK: Common problems

    public static func malformedJSON(_ detail: String) -> HTTPProblem { HTTPProblem(.badRequest, detail) }
    public static func invalidField(_ field: String, _ detail: String) -> HTTPProblem { HTTPProblem(.unprocessableContent, detail, field: field) }
    public static func notFound(_ detail: String) -> HTTPProblem { HTTPProblem(.notFound, detail) }

    /// 405 with the `Allow` header (RFC 9110 §15.5.6) naming what the resource answers to.
    public static func methodNotAllowed(_ method: HTTPRequest.Method, allowed: [HTTPRequest.Method]) -> HTTPProblem {
        let list = allowed.map(\.rawValue).joined(separator: ", ")
        var problem = HTTPProblem(.methodNotAllowed, "\(method.rawValue.prefix(20)) is not allowed here; this resource answers to \(list)")
        problem.headers[.allow] = list
        return problem
    }
}
