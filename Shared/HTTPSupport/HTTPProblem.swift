import Foundation
import HTTPTypes
import Hummingbird

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
