import HTTPTypes
import Hummingbird

/// Turns the router's 404 for a method it has no route for (`QUERY`, `PROPFIND`, …) into
/// 405 with `Allow` when the path is one it knows. Added by
/// ``ServiceRouter/refuseOtherMethods(on:)`` after every route, so it only wraps the
/// router's not-found responder; unknown paths stay 404.
struct UnknownMethodMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Each route's path split into components (`:id` matches any one), with its allowed methods.
    let allowedByPattern: [(pattern: [Substring], allowed: [HTTPRequest.Method])]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            let components = request.uri.path.split(separator: "/")
            guard let known = allowedByPattern.first(where: { Self.matches($0.pattern, components) }) else { throw error }
            throw HTTPProblem.methodNotAllowed(request.method, allowed: known.allowed)
        }
    }

    static func matches(_ pattern: [Substring], _ components: [Substring]) -> Bool {
        if pattern.last == "**" { return components.count >= pattern.count - 1 && zip(pattern.dropLast(), components).allSatisfy(componentMatches) }
        return pattern.count == components.count && zip(pattern, components).allSatisfy(componentMatches)
    }

    static func componentMatches(_ pattern: Substring, _ component: Substring) -> Bool {
        pattern == component || pattern.hasPrefix(":") || pattern.hasPrefix("{") || pattern == "*"
    }
}
