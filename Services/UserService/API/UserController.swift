import Foundation
import HTTPSupport
import HTTPTypes
import Hummingbird
import NIOCore
import PostgresNIO

/// The `/users` endpoints. Every write is counted by outcome in ``UserWriteMetrics``.
struct UserController: Sendable {
    let store: UserStore
    let writes: UserWrites
    let metrics: UserWriteMetrics

    static let idempotencyKeyHeader = HTTPField.Name("Idempotency-Key")!
    static let replayedHeader = HTTPField.Name("Idempotent-Replayed")!

    func addRoutes(to group: RouterGroup<ServiceRequestContext>) {
        group.post(use: create)
        group.get(":id", use: read)
        group.put(":id", use: replace)
        group.patch(":id", use: patch)
        group.delete(":id", use: delete)
    }

    @Sendable func create(request: Request, context: ServiceRequestContext) async throws -> Response {
        try await counted(.create) {
            guard try context.requireCaller().isAdmin else {
                throw HTTPProblem(.forbidden, "creating a user needs a token with the scope \(Caller.adminScope)")
            }
            var request = request
            let body = try await request.collectBody(upTo: ServiceRequestContext.maximumBodySize)
            try Self.requireJSON(request)
            let input = try ProfileInput(body: body)
            return try await write(request, body: body, path: "/users") { connection in
                let user = try await store.create(input, correlationID: context.requestID, on: connection)
                return UserWriteResult(response: try .user(user, status: 201, location: "/users/\(user.id.uuidString.lowercased())"), outcome: .created)
            }
        }
    }

    @Sendable func read(request: Request, context: ServiceRequestContext) async throws -> Response {
        let id = try Self.authorizedUserID(context)
        guard let user = try await store.user(id: id) else { throw UserStoreError.userNotFound(id) }
        return Self.response(try .user(user, status: 200), replayed: false)
    }

    @Sendable func replace(request: Request, context: ServiceRequestContext) async throws -> Response {
        try await counted(.update) {
            var request = request
            let id = try Self.authorizedUserID(context)
            let body = try await request.collectBody(upTo: ServiceRequestContext.maximumBodySize)
            try Self.requireJSON(request)
            let ifMatch = try IfMatch.required(request.headers[.ifMatch])
            let input = try ProfileInput(body: body)
            return try await write(request, body: body, path: "/users/\(id)") { connection in
                try await Self.updated(store.update(
                    id: id, expectedVersions: ifMatch.versions, change: ProfilePatch(replacingWith: input), correlationID: context.requestID, on: connection
                ))
            }
        }
    }

    @Sendable func patch(request: Request, context: ServiceRequestContext) async throws -> Response {
        try await counted(.update) {
            var request = request
            let id = try Self.authorizedUserID(context)
            let body = try await request.collectBody(upTo: ServiceRequestContext.maximumBodySize)
            try Self.requireJSON(request, alsoAccepting: "application/merge-patch+json")
            let ifMatch = try IfMatch.required(request.headers[.ifMatch])
            let patch = try ProfilePatch(body: body)
            return try await write(request, body: body, path: "/users/\(id)") { connection in
                try await Self.updated(store.update(id: id, expectedVersions: ifMatch.versions, change: patch, correlationID: context.requestID, on: connection))
            }
        }
    }

    @Sendable func delete(request: Request, context: ServiceRequestContext) async throws -> Response {
        try await counted(.delete) {
            let id = try Self.authorizedUserID(context)
            let ifMatch = try IfMatch.required(request.headers[.ifMatch])
            return try await write(request, body: ByteBuffer(), path: "/users/\(id)") { connection in
                try await store.delete(id: id, expectedVersions: ifMatch.versions, correlationID: context.requestID, on: connection)
                return UserWriteResult(response: StoredResponse(status: 204, etag: nil, location: nil, body: ""), outcome: .deleted)
            }
        }
    }

    // MARK: Helpers

    /// The answer to an update: 200 with the profile, which is new unless nothing changed.
    private static func updated(_ update: (user: User, changed: Bool)) throws -> UserWriteResult {
        UserWriteResult(response: try .user(update.user, status: 200), outcome: update.changed ? .updated : .unchanged)
    }

    /// Runs one write handler, counts what became of it — refusals with the status
    /// their problem response will have — and answers with its result.
    private func counted(_ operation: UserWriteMetrics.Operation, _ handler: () async throws -> UserWriteResult) async throws -> Response {
        let result: UserWriteResult
        do {
            result = try await handler()
        } catch {
            metrics.record(operation, UserWriteOutcome(refusedWith: HTTPProblem.status(answering: error)))
            throw error
        }
        metrics.record(operation, result.outcome)
        return Self.response(result.response, replayed: result.outcome == .idempotentReplay)
    }

    /// Runs `operation` as one write, under the request's `Idempotency-Key` if it sent one.
    private func write(
        _ request: Request, body: ByteBuffer, path: String,
        _ operation: @escaping @Sendable (PostgresConnection) async throws -> UserWriteResult
    ) async throws -> UserWriteResult {
        guard let key = request.headers[Self.idempotencyKeyHeader] else {
            return try await writes.run(operation)
        }
        try IdempotencyKeys.validate(key)
        let fingerprint = IdempotencyKeys.fingerprint(
            method: request.method.rawValue, path: path, ifMatch: request.headers[.ifMatch], body: Array(body.readableBytesView)
        )
        return try await writes.run(idempotencyKey: key, fingerprint: fingerprint, operation)
    }

    static func response(_ stored: StoredResponse, replayed: Bool) -> Response {
        var headers = HTTPFields()
        // A stored problem replaced an answer about a user since deleted (IdempotencyKeys.deletedUserAnswer).
        if !stored.body.isEmpty { headers[.contentType] = stored.status >= 400 ? HTTPProblem.mediaType : "application/json" }
        if let etag = stored.etag { headers[.eTag] = etag }
        if let location = stored.location { headers[.location] = location }
        if replayed { headers[replayedHeader] = "true" }
        return Response(
            status: HTTPResponse.Status(code: stored.status),
            headers: headers,
            body: stored.body.isEmpty ? .init() : .init(byteBuffer: ByteBuffer(string: stored.body))
        )
    }

    /// The `{id}` path parameter, if the caller may act on that user: its own, or any as an
    /// admin (403 otherwise, before the database is asked, so the answer says nothing about
    /// whether the user exists).
    static func authorizedUserID(_ context: ServiceRequestContext) throws(HTTPProblem) -> UUID {
        let caller = try context.requireCaller()
        let id = try userID(context)
        guard caller.mayActOn(user: id) else {
            throw HTTPProblem(.forbidden, "this token may act on its own user only (sub); another user needs the scope \(Caller.adminScope)")
        }
        return id
    }

    /// The `{id}` path parameter; an id that is not a UUID names no user (404).
    static func userID(_ context: ServiceRequestContext) throws(HTTPProblem) -> UUID {
        let raw = context.parameters.get("id") ?? ""
        guard let id = UUID(uuidString: raw) else {
            throw HTTPProblem.notFound("no user with id '\(raw.prefix(100))': user ids are UUIDs")
        }
        return id
    }

    /// 415 unless the body is declared as JSON. A missing `Content-Type` is refused too: a
    /// cross-site HTML form can send a body without one (or as text/plain), and must not be
    /// able to write.
    static func requireJSON(_ request: Request, alsoAccepting extra: String? = nil) throws(HTTPProblem) {
        let accepted = ["application/json"] + (extra.map { [$0] } ?? [])
        guard let contentType = request.headers[.contentType], !contentType.allSatisfy(\.isWhitespace) else {
            throw HTTPProblem(.unsupportedMediaType, "send the body with Content-Type: \(accepted.joined(separator: " or "))")
        }
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        guard accepted.contains(mediaType) else {
            throw HTTPProblem(.unsupportedMediaType, "send the body as \(accepted.joined(separator: " or ")), not \(mediaType)")
        }
    }
}
