import Consistency
import Database
import Events
import Foundation
import HTTPSupport
import HTTPTypes
import Logging
import PostgresNIO

/// Reads and writes users. Every write that changes state inserts exactly one
/// outbox row in the same transaction; a write that changes nothing writes nothing.
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
    func liveUsers() async throws -> [UserVersion] {
        try await database.query("SELECT id, version FROM users ORDER BY id", limit: .seconds(120)).map { row in
            let (id, version) = try row.decode((UUID, Int64).self)
            return UserVersion(userId: id, version: version)
        }
    }

    // MARK: Writes (each runs inside the transaction that UserWrites opens)

    func create(_ input: ProfileInput, correlationID: String, on connection: PostgresConnection) async throws -> UserWriteResult {
        let now = Self.now()
        let user = User(id: UUID(), name: input.name, email: input.email, bio: input.bio, version: 1, createdAt: now, updatedAt: now)
        do {
            try await connection.query(
                """
                INSERT INTO users (id, name, email, bio, version, created_at, updated_at)
                VALUES (\(user.id), \(user.name), \(user.email), \(user.bio), \(user.version), \(now), \(now))
                """,
                logger: logger
            )
        } catch where PostgresErrorInspection.isUniqueViolation(error, constraint: Self.emailConstraint) {
            throw Self.emailTaken(input.email)
        }
        try await insertOutbox(.profileUpdated(user, changedFields: ProfileField.allCases, correlationID: correlationID), on: connection)
        return UserWriteResult(response: try .user(user, status: 201, location: "/users/\(user.id.uuidString.lowercased())"), outcome: .created)
    }

    /// Replaces or patches a profile. `change` computes the new profile from the current one.
    func update(
        id: UUID, ifMatch: IfMatch?, correlationID: String, on connection: PostgresConnection,
        change: (ProfileInput) -> ProfileInput
    ) async throws -> UserWriteResult {
        let current = try await lockedUser(id: id, on: connection)
        try ifMatch?.check(current.version)
        let next = change(current.profile)
        var changed: [ProfileField] = []
        if next.name != current.name { changed.append(.name) }
        if next.email != current.email { changed.append(.email) }
        if next.bio != current.bio { changed.append(.bio) }
        guard !changed.isEmpty else { return UserWriteResult(response: try .user(current, status: 200), outcome: .unchanged) }

        var updated = current
        updated.name = next.name
        updated.email = next.email
        updated.bio = next.bio
        updated.version = current.version + 1
        updated.updatedAt = Self.now()
        do {
            try await connection.query(
                """
                UPDATE users SET name = \(updated.name), email = \(updated.email), bio = \(updated.bio),
                    version = \(updated.version), updated_at = \(updated.updatedAt)
                WHERE id = \(id)
                """,
                logger: logger
            )
        } catch where PostgresErrorInspection.isUniqueViolation(error, constraint: Self.emailConstraint) {
            throw Self.emailTaken(next.email)
        }
        try await insertOutbox(.profileUpdated(updated, changedFields: changed, correlationID: correlationID), on: connection)
        return UserWriteResult(response: try .user(updated, status: 200), outcome: .updated)
    }

    func delete(id: UUID, ifMatch: IfMatch?, correlationID: String, on connection: PostgresConnection) async throws -> UserWriteResult {
        let current = try await lockedUser(id: id, on: connection)
        try ifMatch?.check(current.version)
        try await connection.query("DELETE FROM users WHERE id = \(id)", logger: logger)
        try await connection.query(
            """
            INSERT INTO user_tombstones (id, version) VALUES (\(id), \(current.version + 1))
            ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, deleted_at = now()
            """,
            logger: logger
        )
        try await insertOutbox(.deleted(userID: id, version: current.version + 1, at: Self.now(), correlationID: correlationID), on: connection)
        return UserWriteResult(response: StoredResponse(status: 204, etag: nil, location: nil, body: ""), outcome: .deleted)
    }

    // MARK: Helpers

    /// The current row, locked until the transaction ends so concurrent writers
    /// of the same user apply one after the other, each seeing the other's version.
    func lockedUser(id: UUID, on connection: PostgresConnection) async throws -> User {
        let rows = try await connection.query(
            "SELECT id, name, email, bio, version, created_at, updated_at FROM users WHERE id = \(id) FOR UPDATE", logger: logger
        ).collect()
        if let row = rows.first { return try Self.user(from: row) }
        throw HTTPProblem.notFound("no user with id \(id.uuidString.lowercased())")
    }

    static func user(from row: PostgresRow) throws -> User {
        let (id, name, email, bio, version, createdAt, updatedAt) = try row.decode((UUID, String, String, String, Int64, Date, Date).self)
        return User(id: id, name: name, email: email, bio: bio, version: version, createdAt: createdAt, updatedAt: updatedAt)
    }

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
    func insertOutbox(_ events: [UserEvent], on connection: PostgresConnection) async throws {
        guard !events.isEmpty else { return }
        try await connection.query(
            """
            INSERT INTO outbox (event_id, aggregate_id, event_type, payload, created_at)
            SELECT event_id, aggregate_id, event_type, payload, created_at FROM unnest(\(events.map(\.id))::uuid[], \(events.map(\.userID))::uuid[], \(events.map(\.type.rawValue))::text[],
                                 \(events.map(\.payload))::text[], \(events.map(\.time))::timestamptz[])
                          WITH ORDINALITY AS e(event_id, aggregate_id, event_type, payload, created_at, position)
            ORDER BY position
            """,
            logger: logger
        )
    }

    private static func emailTaken(_ email: String) -> HTTPProblem {
        HTTPProblem(.conflict, "the email address \(email) is already taken", field: "email")
    }

    /// Now, truncated to milliseconds: what is stored is exactly what the API and the event show.
    static func now() -> Date {
        Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded(.down) / 1000)
    }
}
