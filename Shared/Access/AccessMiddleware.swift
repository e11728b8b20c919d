import Foundation
import HTTPSupport
import HTTPTypes
import Hummingbird
import HummingbirdAuth

/// The public routes' gate, before any handler runs: a per-caller rate limit (429 with
/// `Retry-After`) and a bearer token (401 with `WWW-Authenticate` and problem+json when it
/// is missing or not valid). The caller it verifies becomes the context's `identity`; the
/// handlers decide what that caller may do. The services add it to the group of their API
/// routes only, so `/health`, `/ready` and unknown paths (404) never meet it.
public struct AccessMiddleware: AuthenticatorMiddleware {
    public typealias Context = ServiceRequestContext
    public typealias Identity = Caller

    let verifier: TokenVerifier
    let limiter: RateLimiter
    let realm: String

    public init(verifier: TokenVerifier, limiter: RateLimiter, realm: String = "event-driven-users") {
        self.verifier = verifier
        self.limiter = limiter
        self.realm = realm
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let verified: Result<Caller, TokenRejection>
        if let bearer = request.headers.bearer {
            do throws(TokenRejection) {
                verified = .success(try await verifier.verify(bearer.token))
            } catch {
                verified = .failure(error)
            }
        } else {
            verified = .failure(TokenRejection(""))
        }
        // Per caller; a request without a valid token counts against its client address.
        let key = (try? verified.get()).map { "sub:\($0.subject)" } ?? "address:\(context.clientAddress)"
        if let wait = limiter.take(for: key) {
            var problem = HTTPProblem(.tooManyRequests, "too many requests from this caller; retry after \(wait) s")
            problem.headers[.retryAfter] = String(wait)
            throw problem
        }
        switch verified {
        case .success(let caller):
            context.identity = caller
            return try await next(request, context)
        case .failure(let rejection) where rejection.reason.isEmpty:
            var problem = HTTPProblem(.unauthorized, "send Authorization: Bearer <token> (scripts/local-stack.sh token prints one)")
            problem.headers[.wwwAuthenticate] = "Bearer realm=\"\(realm)\""
            throw problem
        case .failure(let rejection):
            var problem = HTTPProblem(.unauthorized, rejection.reason)
            problem.headers[.wwwAuthenticate] = "Bearer realm=\"\(realm)\", error=\"invalid_token\", error_description=\"\(rejection.reason.replacingOccurrences(of: "\"", with: "'"))\""
            throw problem
        }
    }

    /// Not used: ``handle(_:context:next:)`` decides; required by the protocol.
    public func authenticate(request: Request, context: Context) async throws -> Caller? {
        context.identity
    }
}
