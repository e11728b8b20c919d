import Consistency
import Database
import Foundation
import Logging
import PostgresNIO

/// Repairs a projection's divergence through the outbox, as ordinary
/// transactions: the repair event (`repair: true`) carries the source's truth,
/// and a projection applies it when its version is at least the stored one.
/// Versions never go backwards: where the projection is ahead, the source's
/// version (or its tombstone's) is raised above it first, state unchanged.
struct Repairs: Sendable {
    let database: DatabaseClient
    let store: UserStore
    let logger: Logger

    static let correlationID = "anti-entropy"

    /// Writes the repair event for one divergence; `false` if the source changed meanwhile and there is nothing to send.
    @discardableResult
    func repair(_ divergence: Divergence) async throws -> Bool {
        let store = self.store
        let logger = self.logger
        return try await database.withTransaction { connection in
            switch divergence.kind {
            case .missing, .stale, .ahead:
                let rows = try await connection.query(
                    "SELECT id FROM users WHERE id = \(divergence.userId) FOR UPDATE", logger: logger
                ).collect()
                guard !rows.isEmpty else { return false } // deleted since: its delete is on its way
                var user = try await store.lockedUser(id: divergence.userId, on: connection)
                if let projected = divergence.projectionVersion, projected >= user.version {
                    user.version = projected + 1
                    try await connection.query("UPDATE users SET version = \(user.version) WHERE id = \(user.id)", logger: logger)
                }
                user.updatedAt = UserStore.now() // the repair's own time, as its event's time
                try await store.insertOutbox(.profileUpdated(user, changedFields: [], correlationID: Self.correlationID, repair: true), on: connection)
                return true
            case .extra:
                let live = try await connection.query("SELECT 1 FROM users WHERE id = \(divergence.userId)", logger: logger).collect()
                guard live.isEmpty else { return false }
                let tombstone = try await connection.query(
                    "SELECT version FROM user_tombstones WHERE id = \(divergence.userId) FOR UPDATE", logger: logger
                ).collect().first.map { try $0.decode(Int64.self) }
                var version = tombstone ?? 0
                if let projected = divergence.projectionVersion, version < projected { version = projected + 1 }
                if version != tombstone {
                    try await connection.query(
                        """
                        INSERT INTO user_tombstones (id, version) VALUES (\(divergence.userId), \(version))
                        ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version
                        """,
                        logger: logger
                    )
                }
                try await store.insertOutbox(
                    .deleted(userID: divergence.userId, version: version, at: UserStore.now(), correlationID: Self.correlationID, repair: true),
                    on: connection
                )
                return true
            }
        }
    }
}
