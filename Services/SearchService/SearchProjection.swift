import AsyncPrimitives
import Consumer
import Database
import Foundation
import Logging
import PostgresNIO

/// Keeps the newest known state of each user in `user_documents`.
///
/// A change is written only if its version is newer than the stored one, so
/// duplicates, replays and out-of-order arrivals cannot move a document
/// backwards. A delete leaves a tombstone (deleted, its version, no profile):
/// an older `UserProfileUpdated` arriving after it finds a newer version and
/// is ignored. A repair event (`repair: true`) also replaces a document of the
/// same version, so anti-entropy can overwrite a corrupted one. After the batch, `NOTIFY search_indexed` names the users whose
/// documents changed, waking requests that wait for a version (`minVersion`).
struct SearchProjection: EventProjection {
    static let migrationsName = "search"
    static let tables = ["user_documents"]
    static let channel = "search_indexed"
    let logger: Logger

    func apply(_ events: [ConsumedEvent], duplicatesSkipped: Int, on connection: PostgresConnection) async throws {
        // Ordinary events first (newer versions only), then repairs (a version at least the stored one).
        var changed = try await upsert(Self.newestPerUser(events.filter { !$0.isRepair }), on: connection, replacingEqualVersions: false)
        changed += try await upsert(Self.newestPerUser(events.filter(\.isRepair)), on: connection, replacingEqualVersions: true)
        // NOTIFY payloads are limited to 8000 bytes: 200 ids of 36 characters per notification.
        for start in stride(from: 0, to: changed.count, by: 200) {
            let payload = changed[start..<min(start + 200, changed.count)].joined(separator: ",")
            try await connection.query("SELECT pg_notify(\(Self.channel), \(payload))", logger: logger)
        }
    }

    /// Tombstones (deleted documents) older than `age`, oldest first, at most `limit`.
    func purgeTombstones(olderThan age: Duration, limit: Int, database: DatabaseClient) async throws -> Int {
        try await database.query(
            """
            DELETE FROM user_documents WHERE user_id IN (
                SELECT user_id FROM user_documents WHERE deleted AND indexed_at < now() - make_interval(secs => \(age.inSeconds))
                ORDER BY indexed_at LIMIT \(limit))
            RETURNING 1
            """
        ).count
    }

    /// Within a batch only each user's newest event matters.
    static func newestPerUser(_ events: [ConsumedEvent]) -> [ConsumedEvent] {
        var newest: [UUID: ConsumedEvent] = [:]
        for event in events where event.version > (newest[event.userID]?.version ?? 0) {
            newest[event.userID] = event
        }
        return Array(newest.values)
    }

    /// Writes the documents; returns the ids of the users whose document changed.
    private func upsert(_ latest: [ConsumedEvent], on connection: PostgresConnection, replacingEqualVersions: Bool) async throws -> [String] {
        guard !latest.isEmpty else { return [] }
        var names: [String] = [], emails: [String] = [], bios: [String] = [], deleted: [Bool] = []
        for event in latest {
            switch event.change {
            case .profileUpdated(let name, let email, let bio, _):
                names.append(name); emails.append(email); bios.append(bio); deleted.append(false)
            case .deleted:
                names.append(""); emails.append(""); bios.append(""); deleted.append(true)
            }
        }
        let rows = try await connection.query(
            """
            INSERT INTO user_documents AS d (user_id, version, deleted, name, email, bio)
            SELECT * FROM unnest(\(latest.map(\.userID))::uuid[], \(latest.map(\.version))::bigint[], \(deleted)::boolean[],
                                 \(names)::text[], \(emails)::text[], \(bios)::text[])
            ON CONFLICT (user_id) DO UPDATE SET
                version = EXCLUDED.version, deleted = EXCLUDED.deleted,
                name = EXCLUDED.name, email = EXCLUDED.email, bio = EXCLUDED.bio, indexed_at = now()
            \(unescaped: replacingEqualVersions ? "WHERE d.version <= EXCLUDED.version" : "WHERE d.version < EXCLUDED.version")
            RETURNING user_id
            """,
            logger: logger
        )
        var changed: [String] = []
        for try await id in rows.decode(UUID.self) { changed.append(id.uuidString.lowercased()) }
        return changed
    }
}
