import AsyncPrimitives
import Consistency
import Database
import Events
import Foundation
import Logging
import Observability
import PostgresNIO
import Tracing

/// Reads and writes users. Every write that changes state inserts exactly one
/// outbox row in the same statement; a write that changes nothing writes nothing.
/// Each write statement is a span (`INSERT users`, `UPDATE users`, `DELETE users`) whose
/// W3C context the statement stores with the outbox row: the relay's publish continues it.
struct UserStore: Sendable {
    let database: DatabaseClient
    let logger: Logger
    /// The service's tracer (``Telemetry/tracer``); a no-op one by default.
    var tracer: any Tracer = NoOpTracer()

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

    /// How many users and tombstones there are.
    func counts() async throws -> (users: Int, tombstones: Int) {
        let row = try await database.query("SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM user_tombstones)")[0]
        return try row.decode((Int, Int).self)
    }

    /// Up to `limit` users with ids after `id`, in id order (a snapshot's chunk).
    func users(after id: UUID, limit: Int) async throws -> [User] {
        try await database.query(
            "SELECT id, name, email, bio, version, created_at, updated_at FROM users WHERE id > \(id) ORDER BY id LIMIT \(limit)"
        ).map(Self.user(from:))
    }

    /// Up to `limit` tombstones, `(user id, version)`, with ids after `id`, in id order.
    func tombstones(after id: UUID, limit: Int) async throws -> [(id: UUID, version: Int64)] {
        try await database.query("SELECT id, version FROM user_tombstones WHERE id > \(id) ORDER BY id LIMIT \(limit)").map { row in
            try row.decode((UUID, Int64).self)
        }
    }

    /// The outbox rows not published yet, counted up to `limit` (so the count stays cheap on a long backlog).
    func unpublishedOutboxRows(countingUpTo limit: Int) async throws -> Int {
        try await database.query(
            "SELECT count(*) FROM (SELECT 1 FROM outbox WHERE published_at IS NULL LIMIT \(limit)) AS pending"
        )[0].decode(Int.self)
    }

    // MARK: Writes
    //
    // Each write is one statement: it locks the user's row, checks the precondition,
    // changes the row and appends the event to the outbox, so it commits (or fails) as a
    // whole on its own — one round trip. UserWrites runs it in a transaction only when an
    // `Idempotency-Key` has to commit with it. The event's `time`, version and changed
    // fields are computed by the statement under the row lock (see UserEvent.envelope).

    /// Creates a user at version 1 with its first event.
    func create(_ input: ProfileInput, correlationID: String, on connection: PostgresConnection) async throws -> User {
        let id = UUID()
        let eventID = UUID()
        let envelope = try UserEvent.envelope(id: eventID, type: .userProfileUpdated, userID: id, correlationID: correlationID)
        let time: Date
        do {
            time = try await traced("INSERT") { trace in
                try await single(
                    connection.execute(CreateUserStatement(id: id, profile: input, eventID: eventID, envelope: envelope, trace: trace), logger: logger),
                    statement: "create"
                )
            }
        } catch where PostgresErrorInspection.isUniqueViolation(error, constraint: Self.emailConstraint) {
            throw UserStoreError.emailTaken(by: id)
        }
        return User(id: id, name: input.name, email: input.email, bio: input.bio, version: 1, createdAt: time, updatedAt: time)
    }

    /// Replaces or patches a profile: the fields `change` names replace the current ones
    /// (a replace names all three), if the user is at one of `expectedVersions` (`nil`: any).
    /// Nothing is written when they change nothing (`changed` is `false`).
    func update(
        id: UUID, expectedVersions: Set<Int64>?, change: ProfilePatch, correlationID: String, on connection: PostgresConnection
    ) async throws -> (user: User, changed: Bool) {
        let eventID = UUID()
        let envelope = try UserEvent.envelope(id: eventID, type: .userProfileUpdated, userID: id, correlationID: correlationID)
        let row: UpdateUserStatement.Row
        do {
            row = try await traced("UPDATE") { trace in
                let statement = UpdateUserStatement(
                    id: id, change: change, versions: expectedVersions.map { Array($0) }, eventID: eventID, envelope: envelope, trace: trace
                )
                return try await single(connection.execute(statement, logger: logger), orElse: UserStoreError.userNotFound(id))
            }
        } catch where PostgresErrorInspection.isUniqueViolation(error, constraint: Self.emailConstraint) {
            throw UserStoreError.emailTaken(by: id)
        }
        guard row.matched else { throw UserStoreError.versionMismatch(id, current: row.version) }
        let user = User(id: id, name: row.name, email: row.email, bio: row.bio, version: row.version, createdAt: row.createdAt, updatedAt: row.updatedAt)
        return (user, row.changed)
    }

    /// Deletes a user at one of `expectedVersions` (`nil`: any), leaving its tombstone.
    func delete(id: UUID, expectedVersions: Set<Int64>?, correlationID: String, on connection: PostgresConnection) async throws {
        let eventID = UUID()
        let envelope = try UserEvent.envelope(id: eventID, type: .userDeleted, userID: id, correlationID: correlationID)
        let row = try await traced("DELETE") { trace in
            let statement = DeleteUserStatement(id: id, versions: expectedVersions.map { Array($0) }, eventID: eventID, envelope: envelope, trace: trace)
            return try await single(connection.execute(statement, logger: logger), orElse: UserStoreError.userNotFound(id))
        }
        guard row.matched else { throw UserStoreError.versionMismatch(id, current: row.version) }
    }

    /// Runs a write statement as a client span `<operation> users` inside the current one (the
    /// request's), giving the statement the span's W3C context to store with its outbox row.
    /// A database error marks the span failed; an answer of the domain (no such user, a
    /// version mismatch, an email taken) is the statement working, and only an attribute.
    private func traced<T>(_ operation: String, _ statement: (TraceContext?) async throws -> T) async throws -> T {
        let span = tracer.startSpan("\(operation) users", context: ServiceContext.current ?? .topLevel, ofKind: .client)
        defer { span.end() }
        span.updateAttributes { attributes in
            attributes["db.system.name"] = "postgresql"
            attributes["db.operation.name"] = operation
            attributes["db.collection.name"] = "users"
        }
        do {
            return try await statement(tracer.traceContext(of: span.context))
        } catch let error as UserStoreError {
            span.attributes["user_store.outcome"] = error.code.description
            throw error
        } catch where PostgresErrorInspection.isUniqueViolation(error, constraint: Self.emailConstraint) {
            span.attributes["user_store.outcome"] = UserStoreError.Code.emailTaken.description
            throw error
        } catch {
            span.recordError(error)
            span.setStatus(SpanStatus(code: .error))
            throw error
        }
    }

    /// The one row a write statement answers with; `missing` when it answers none (no such user).
    private func single<Rows: AsyncSequence & Sendable>(_ rows: Rows, orElse missing: UserStoreError) async throws -> Rows.Element {
        for try await row in rows { return row }
        throw missing
    }

    /// The one row a statement always answers with.
    private func single<Rows: AsyncSequence & Sendable>(_ rows: Rows, statement: String) async throws -> Rows.Element {
        for try await row in rows { return row }
        throw StatementAnsweredNoRow(statement: statement)
    }

    // MARK: Helpers

    /// The user, its row locked for the rest of the transaction; `nil` if there is none.
    func lockedUserIfPresent(id: UUID, on connection: PostgresConnection) async throws -> User? {
        let rows = try await connection.query(
            "SELECT id, name, email, bio, version, created_at, updated_at FROM users WHERE id = \(id) FOR UPDATE", logger: logger
        ).collect()
        return try rows.first.map(Self.user(from:))
    }

    /// Deletes tombstones older than `retention`, at most 10,000 a call; returns how many.
    @discardableResult
    func purgeTombstones(olderThan retention: Duration) async throws -> Int {
        try await database.query(
            """
            WITH purged AS (
                DELETE FROM user_tombstones WHERE id IN (
                    SELECT id FROM user_tombstones WHERE deleted_at < now() - make_interval(secs => \(retention.inSeconds)) LIMIT 10000)
                RETURNING 1)
            SELECT count(*) FROM purged
            """
        )[0].decode(Int.self)
    }

    /// Raises a locked user's version (a repair going above what a projection holds); the
    /// caller computed `version` with ``EventVersion/next(after:)``.
    func raiseVersion(of id: UUID, to version: Int64, on connection: PostgresConnection) async throws {
        try await connection.query("UPDATE users SET version = \(version) WHERE id = \(id)", logger: logger)
    }

    /// Whether the user exists (not deleted).
    func exists(id: UUID, on connection: PostgresConnection) async throws -> Bool {
        try await !connection.query("SELECT 1 FROM users WHERE id = \(id)", logger: logger).collect().isEmpty
    }

    /// The version of the user's tombstone, locked for the rest of the transaction; `nil` if it has none.
    func lockedTombstoneVersion(id: UUID, on connection: PostgresConnection) async throws -> Int64? {
        try await connection.query("SELECT version FROM user_tombstones WHERE id = \(id) FOR UPDATE", logger: logger)
            .collect().first.map { try $0.decode(Int64.self) }
    }

    /// Writes the user's tombstone at `version` (a repair of a deletion a projection missed).
    func setTombstone(id: UUID, version: Int64, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO user_tombstones (id, version) VALUES (\(id), \(version))
            ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version
            """,
            logger: logger
        )
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

    /// Now, truncated to milliseconds: what is stored is exactly what the API and the event show.
    static func now() -> Date {
        Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }
}
