import Consistency
import Database
import Events
import Foundation
import HTTPSupport
import HTTPTypes
import Logging
import PostgresNIO

/// Reads and writes users. Every write that changes state inserts exactly one
/// outbox row in the same statement; a write that changes nothing writes nothing.
struct UserStore: Sendable {
    let database: DatabaseClient
    let logger: Logger

    static let emailConstraint = "users_email_lower_key"

    // MARK: Reads

    /// Reads from the primary the service writes to: a client sees its own writes.
    func user(id: UUID) async throws -> User? {
        try await database.query(
            "SELECT id, name, email, bio, version, created_at, updated_at FROM users WHERE id = \(id)"
        ).first.map(Self.user(from:))
    }

    /// Every user as `(id, version)`, in id order: what the consistency digest covers.
    /// Every user, in id order, with the hash of its row as a projection of `content` holds it:
    /// the source's side of an anti-entropy comparison.
    func liveUsers(content: ProjectionContent) async throws -> [UserVersion] {
        try await database.query(
            "SELECT id, version, \(unescaped: content.hashSQL(name: "name", email: "email", bio: "bio")) FROM users ORDER BY id",
            limit: .seconds(120)
        ).map { row in
            let (id, version, hash) = try row.decode((UUID, Int64, String).self)
            return UserVersion(userId: id, version: version, content: hash)
        }
    }

    // MARK: Writes
    //
    // Each write is one statement: it locks the user's row, checks the precondition,
    // changes the row and appends the event to the outbox, so it commits (or fails) as a
    // whole on its own — one round trip. UserWrites runs it in a transaction only when an
    // `Idempotency-Key` has to commit with it. The event's `time`, version and changed
    // fields are computed by the statement under the row lock (see UserEvent.envelope).

    func create(_ input: ProfileInput, correlationID: String, on connection: PostgresConnection) async throws -> UserWriteResult {
        let id = UUID()
        let eventID = UUID()
        let envelope = try UserEvent.envelope(id: eventID, type: .userProfileUpdated, userID: id, correlationID: correlationID)
        let time: Date
        do {
            time = try await single(connection.execute(CreateUserStatement(id: id, profile: input, eventID: eventID, envelope: envelope), logger: logger))
        } catch where PostgresErrorInspection.isUniqueViolation(error, constraint: Self.emailConstraint) {
            throw Self.emailTaken(input.email)
        }
        let user = User(id: id, name: input.name, email: input.email, bio: input.bio, version: 1, createdAt: time, updatedAt: time)
        return UserWriteResult(response: try .user(user, status: 201, location: "/users/\(user.id.uuidString.lowercased())"), outcome: .created)
    }

    /// Replaces or patches a profile: the fields `change` names replace the current ones
    /// (a replace names all three). Nothing is written when they change nothing.
    func update(id: UUID, ifMatch: IfMatch?, change: ProfilePatch, correlationID: String, on connection: PostgresConnection) async throws -> UserWriteResult {
        let eventID = UUID()
        let statement = UpdateUserStatement(
            id: id, change: change, versions: ifMatch?.versions.map { Array($0) }, eventID: eventID,
            envelope: try UserEvent.envelope(id: eventID, type: .userProfileUpdated, userID: id, correlationID: correlationID)
        )
        let row: UpdateUserStatement.Row
        do {
            row = try await single(connection.execute(statement, logger: logger), orElse: Self.noSuchUser(id))
        } catch where PostgresErrorInspection.isUniqueViolation(error, constraint: Self.emailConstraint) {
            throw Self.emailTaken(change.email ?? "")
        }
        guard row.matched else { throw IfMatch.failed(currentVersion: row.version) }
        let user = User(id: id, name: row.name, email: row.email, bio: row.bio, version: row.version, createdAt: row.createdAt, updatedAt: row.updatedAt)
        return UserWriteResult(response: try .user(user, status: 200), outcome: row.changed ? .updated : .unchanged)
    }

    func delete(id: UUID, ifMatch: IfMatch?, correlationID: String, on connection: PostgresConnection) async throws -> UserWriteResult {
        let eventID = UUID()
        let statement = DeleteUserStatement(
            id: id, versions: ifMatch?.versions.map { Array($0) }, eventID: eventID,
            envelope: try UserEvent.envelope(id: eventID, type: .userDeleted, userID: id, correlationID: correlationID)
        )
        let row = try await single(connection.execute(statement, logger: logger), orElse: Self.noSuchUser(id))
        guard row.matched else { throw IfMatch.failed(currentVersion: row.version) }
        return UserWriteResult(response: StoredResponse(status: 204, etag: nil, location: nil, body: ""), outcome: .deleted)
    }

    /// The one row a write statement answers with; `missing` when it answers none (no such user).
    private func single<Rows: AsyncSequence & Sendable>(_ rows: Rows, orElse missing: HTTPProblem? = nil) async throws -> Rows.Element {
        for try await row in rows { return row }
        throw missing ?? HTTPProblem(.internalServerError, "a write statement answered no row")
    }

    // MARK: Helpers

    /// The current row, locked until the transaction ends so concurrent writers
    /// of the same user apply one after the other, each seeing the other's version.
    func lockedUser(id: UUID, on connection: PostgresConnection) async throws -> User {
        guard let user = try await lockedUserIfPresent(id: id, on: connection) else { throw Self.noSuchUser(id) }
        return user
    }

    /// The user, its row locked for the rest of the transaction; `nil` if there is none.
    func lockedUserIfPresent(id: UUID, on connection: PostgresConnection) async throws -> User? {
        let rows = try await connection.query(
            "SELECT id, name, email, bio, version, created_at, updated_at FROM users WHERE id = \(id) FOR UPDATE", logger: logger
        ).collect()
        return try rows.first.map(Self.user(from:))
    }

    static func user(from row: PostgresRow) throws -> User {
        let (id, name, email, bio, version, createdAt, updatedAt) = try row.decode((UUID, String, String, String, Int64, Date, Date).self)
        return User(id: id, name: name, email: email, bio: bio, version: version, createdAt: createdAt, updatedAt: updatedAt)
    }

    /// Inserts one outbox row with the event's own time, inside a transaction that started
    /// before that time was taken (the repairs lock the user's row first).
    func insertOutbox(_ event: UserEvent, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO outbox (event_id, aggregate_id, event_type, payload, created_at)
            VALUES (\(event.id), \(event.userID), \(event.type.rawValue), \(event.payload), \(event.time))
            """,
            logger: logger
        )
    }

    /// Inserts many outbox rows in one statement (the snapshot's chunks), in the given order.
    /// Their `time` and `created_at` are the statement's (``UserEvent/timeSQL``), not the
    /// events' own: never before the transaction's start, which the relay's heartbeat
    /// watermark relies on (a time taken in Swift before the statement could be).
    func insertOutbox(_ events: [UserEvent], on connection: PostgresConnection) async throws {
        guard !events.isEmpty else { return }
        try await connection.query(
            """
            INSERT INTO outbox (event_id, aggregate_id, event_type, payload, created_at)
            SELECT e.event_id, e.aggregate_id, e.event_type, (e.payload::jsonb || \(unescaped: UserEvent.timeCompletionSQL(of: "clock")))::text, clock.time
            FROM unnest(\(events.map(\.id))::uuid[], \(events.map(\.userID))::uuid[], \(events.map(\.type.rawValue))::text[], \(events.map(\.payload))::text[])
                     WITH ORDINALITY AS e(event_id, aggregate_id, event_type, payload, position),
                 (SELECT \(unescaped: UserEvent.timeSQL) AS time) clock
            ORDER BY e.position
            """,
            logger: logger
        )
    }

    private static func noSuchUser(_ id: UUID) -> HTTPProblem {
        HTTPProblem.notFound("no user with id \(id.uuidString.lowercased())")
    }

    /// 409 that does not repeat the address: an answer that echoed it would confirm to anyone
    /// probing that a given address is registered, and put it in logs and caches on the way.
    private static func emailTaken(_ email: String) -> HTTPProblem {
        HTTPProblem(.conflict, "the email address is already taken by another user", field: "email")
    }

    /// Now, truncated to milliseconds: what is stored is exactly what the API and the event show.
    static func now() -> Date {
        Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }
}
