import Consistency
import Database
import Events
import Foundation
import Logging
import PostgresNIO

/// Repairs a projection's divergence through the outbox, as ordinary
/// transactions: the repair event (`repair: true`) carries the source's truth,
/// and a projection applies it when its version is at least the stored one.
/// Versions never go backwards: where the projection is ahead, the source's
/// version (or its tombstone's) is raised above it first, state unchanged. Every
/// increment is checked (``EventVersion/next(after:)``): a projection that claims a
/// version at the top of the range gets an error for that user, never a trap.
struct Repairs: Sendable {
    let database: DatabaseClient
    let store: UserStore
    let logger: Logger

    static let correlationID = "anti-entropy"

    /// Writes the repair event for one divergence; `false` if the source changed meanwhile and there is nothing to send.
    @discardableResult
    func repair(_ divergence: Divergence) async throws -> Bool {
        let store = self.store
        return try await database.withTransaction { connection in
            switch divergence.kind {
            case .missing, .stale, .ahead, .content:
                guard var user = try await store.lockedUserIfPresent(id: divergence.userId, on: connection) else {
                    return false // deleted since: its delete is on its way
                }
                // A repair applies at a version at least the stored one: at the same version (content)
                // it overwrites; where the projection holds a higher version or tombstone, the source goes above it.
                if let projected = divergence.projectionVersion, projected > user.version || (projected == user.version && divergence.kind != .content) {
                    user.version = try EventVersion.next(after: projected)
                    try await store.raiseVersion(of: user.id, to: user.version, on: connection)
                }
                user.updatedAt = UserStore.now() // the repair's own time, as its event's time
                try await store.insertOutbox(.profileUpdated(user, changedFields: [], correlationID: Self.correlationID, repair: true), on: connection)
                return true
            case .extra:
                guard try await !store.exists(id: divergence.userId, on: connection) else { return false }
                let tombstone = try await store.lockedTombstoneVersion(id: divergence.userId, on: connection)
                var version = tombstone ?? 0
                if let projected = divergence.projectionVersion, version < projected { version = try EventVersion.next(after: projected) }
                version = try EventVersion.checked(version)
                if version != tombstone { try await store.setTombstone(id: divergence.userId, version: version, on: connection) }
                try await store.insertOutbox(
                    .deleted(userID: divergence.userId, version: version, at: UserStore.now(), correlationID: Self.correlationID, repair: true),
                    on: connection
                )
                return true
            }
        }
    }
}
