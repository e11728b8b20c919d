import AsyncPrimitives
import Database
import Events
import Foundation
import HTTPSupport
import HTTPTypes
import Hummingbird
import Logging
import PostgresNIO

/// The read API of search-service.
struct SearchController: Sendable {
    static let staleHeader = HTTPField.Name("X-Index-Stale")!
    static let maximumWait = 5000

    let database: DatabaseClient
    let notifications: IndexNotifications
    let logger: Logger

    func addRoutes(to group: RouterGroup<ServiceRequestContext>) {
        group.get { request, context in try await self.search(request.uri.queryParameters, caller: try context.requireCaller()) }
        group.get("users/:id") { request, context in
            try await self.document(context.parameters.require("id"), query: request.uri.queryParameters, caller: try context.requireCaller())
        }
    }

    /// `GET /search?q=<words>&limit=<1…100>`
    /// Any valid token may search; an email address is in a hit only for its own user and for admins.
    func search(_ query: Parameters, caller: Caller) async throws -> SearchResults {
        guard let text = query["q"].map(String.init), let tsquery = SearchQuery.tsquery(from: text) else {
            throw HTTPProblem(.badRequest, "q must contain at least one word (letters or digits)", field: "q")
        }
        let limit = try Self.integer(query, "limit", default: 20, range: 1...100)
        let rows = try await database.query(
            """
            SELECT user_id, name, email, bio, version, ts_rank(document, query)::float8 AS score, count(*) OVER () AS total
            FROM user_documents, to_tsquery('simple', \(tsquery)) AS query
            WHERE NOT deleted AND document @@ query
            ORDER BY score DESC, user_id
            LIMIT \(limit)
            """
        )
        var results = SearchResults(hits: [], total: 0)
        for row in rows {
            let (id, name, email, bio, version, score, total) = try row.decode((UUID, String, String, String, Int64, Double, Int64).self)
            results.hits.append(SearchHit(
                userId: id.uuidString.lowercased(), name: name, email: caller.maySeeEmail(of: id) ? email : nil, bio: bio, version: version, score: score
            ))
            results.total = total
        }
        return results
    }

    /// `GET /search/users/{id}[?minVersion=N&waitMs=M]`
    func document(_ raw: String, query: Parameters, caller: Caller) async throws -> EditedResponse<IndexedDocument> {
        guard let id = UUID(uuidString: raw) else {
            throw HTTPProblem.notFound("no indexed user '\(raw.prefix(100))': user ids are UUIDs")
        }
        let minVersion = try query["minVersion"].map { _ in try Self.integer(query, "minVersion", default: 1, range: 1...Int.max) }
        let waitMs = try Self.integer(query, "waitMs", default: 0, range: 0...Self.maximumWait)
        guard let minVersion, waitMs > 0 else {
            let state = try await load(id, caller: caller)
            if let minVersion, (state?.version ?? 0) < Int64(minVersion) {
                return try Self.answer(id, state, stale: true)
            }
            return try Self.answer(id, state, stale: false)
        }
        // Register first, then read: a change indexed in between still wakes this request.
        guard let waiter = notifications.register(id) else {
            var problem = HTTPProblem(
                .serviceUnavailable, "too many requests are waiting for a version on this instance (\(notifications.maximumWaiters)); retry shortly"
            )
            problem.headers[.retryAfter] = "1"
            throw problem
        }
        defer { notifications.unregister(waiter) }
        let deadline = ContinuousClock.now + .milliseconds(waitMs)
        while true {
            let state = try await load(id, caller: caller)
            if (state?.version ?? 0) >= Int64(minVersion) { return try Self.answer(id, state, stale: false) }
            let remaining = deadline - .now
            guard remaining > .zero else { return try Self.answer(id, state, stale: true) }
            await waiter.signal.wait(timeout: min(remaining, .milliseconds(500)))
            try Task.checkCancellation()
        }
    }

    private struct StoredState {
        var document: IndexedDocument
        var deleted: Bool
        var version: Int64 { document.version }
    }

    private func load(_ id: UUID, caller: Caller) async throws -> StoredState? {
        let rows = try await database.query(
            "SELECT name, email, bio, version, deleted, indexed_at FROM user_documents WHERE user_id = \(id)"
        )
        for row in rows {
            let (name, email, bio, version, deleted, indexedAt) = try row.decode((String, String, String, Int64, Bool, Date).self)
            let document = IndexedDocument(
                userId: id.uuidString.lowercased(), name: name, email: caller.maySeeEmail(of: id) ? email : nil, bio: bio, version: version,
                indexedAt: RFC3339.format(indexedAt)
            )
            return StoredState(document: document, deleted: deleted)
        }
        return nil
    }

    private static func answer(_ id: UUID, _ state: StoredState?, stale: Bool) throws -> EditedResponse<IndexedDocument> {
        guard let state else { throw HTTPProblem.notFound("user \(id.uuidString.lowercased()) is not in the index\(stale ? " (yet)" : "")") }
        guard !state.deleted else { throw HTTPProblem.notFound("user \(id.uuidString.lowercased()) was deleted (version \(state.version))") }
        var headers = HTTPFields()
        if stale { headers[staleHeader] = "true" }
        return EditedResponse(headers: headers, response: state.document)
    }

    private static func integer(_ query: Parameters, _ name: String, default fallback: Int, range: ClosedRange<Int>) throws -> Int {
        guard let raw = query[Substring(name)] else { return fallback }
        guard let value = Int(String(raw)), range.contains(value) else {
            let upper = range.upperBound == Int.max ? "" : "…\(range.upperBound)"
            throw HTTPProblem(.badRequest, "\(name) must be an integer in \(range.lowerBound)\(upper), not '\(raw.prefix(40))'", field: name)
        }
        return value
    }
}
