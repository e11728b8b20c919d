import AsyncPrimitives
import HTTPSupport
import HTTPTypes
import Hummingbird

/// Bounded-staleness reads: every search response carries `X-Index-Staleness-Ms`
/// (how far the index may be behind the source, from the relay's heartbeats),
/// and `maxStalenessMs=N` on any search read answers 503 with `Retry-After`
/// when the index is staler than N ms — or when its staleness is not known yet.
struct IndexFreshnessMiddleware: RouterMiddleware {
    typealias Context = ServiceRequestContext

    static let stalenessHeader = HTTPField.Name("X-Index-Staleness-Ms")!
    /// Seconds a client should wait before asking again: about one heartbeat.
    static let retryAfterSeconds = 1

    let staleness: @Sendable () async throws -> Duration?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let limit = try Self.maxStaleness(request.uri.queryParameters)
        let current = try await staleness()
        let header = current.map { String($0.wholeMilliseconds) }
        if let limit, current.map({ $0 > limit }) ?? true {
            var problem = HTTPProblem(
                .serviceUnavailable,
                current == nil
                    ? "the index's staleness is not known yet (no heartbeat applied); try again shortly"
                    : "the index is \(header ?? "?") ms behind the source, more than maxStalenessMs=\(limit.wholeMilliseconds)"
            )
            problem.headers[.retryAfter] = String(Self.retryAfterSeconds)
            if let header { problem.headers[Self.stalenessHeader] = header }
            throw problem
        }
        do {
            var response = try await next(request, context)
            if let header { response.headers[Self.stalenessHeader] = header }
            return response
        } catch var problem as HTTPProblem {
            if let header { problem.headers[Self.stalenessHeader] = header }
            throw problem
        }
    }

    /// `maxStalenessMs`, if given: a non-negative integer.
    static func maxStaleness(_ query: Parameters) throws -> Duration? {
        guard let raw = query["maxStalenessMs"] else { return nil }
        guard let value = Int(String(raw)), value >= 0 else {
            throw HTTPProblem(.badRequest, "maxStalenessMs must be a non-negative integer (milliseconds), not '\(raw.prefix(40))'", field: "maxStalenessMs")
        }
        return .milliseconds(value)
    }
}
