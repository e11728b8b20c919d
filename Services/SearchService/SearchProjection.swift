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
/// same version, so anti-entropy can overwrite a corrupted one. With the batch's commit, `NOTIFY search_indexed` names the users whose
/// documents changed, waking requests that wait for a version (`minVersion`).
struct SearchProjection: EventProjection {
    static let migrationsName = "search"
    static let tables = ["user_documents"]
    static let channel = "search_indexed"
    let logger: Logger

    func apply(_ events: [ConsumedEvent], duplicatesSkipped: Int, on connection: PostgresConnection) async throws {
        // Ordinary events first (newer versions only), then repairs (a version at least the stored one).
        try await upsert(Self.newestPerUser(events.filter { !$0.isRepair }), on: connection, replacingEqualVersions: false)
        try await upsert(Self.newestPerUser(events.filter(\.isRepair)), on: connection, replacingEqualVersions: true)
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

    /// Writes the documents and notifies `search_indexed` of the users whose document changed.
    ///
    /// Existing documents are updated and only missing ones inserted: `INSERT … ON CONFLICT DO
    /// UPDATE` would compute the generated `tsvector` twice per document (for the row it tries
    /// to insert, then for the update), and that computation is most of the statement's cost.
    /// The insert keeps its `ON CONFLICT` for a document another transaction inserted meanwhile
    /// (a partition changing owner). The notifications name at most 200 users each (a payload
    /// is limited to 8,000 bytes; an id is 36 characters) and are delivered at commit.
    private func upsert(_ latest: [ConsumedEvent], on connection: PostgresConnection, replacingEqualVersions: Bool) async throws {
        guard !latest.isEmpty else { return }
        var names: [String] = [], emails: [String] = [], bios: [String] = [], deleted: [Bool] = []
        for event in latest {
            switch event.change {
            case .profileUpdated(let name, let email, let bio, _):
                names.append(name); emails.append(email); bios.append(bio); deleted.append(false)
            case .deleted:
                names.append(""); emails.append(""); bios.append(""); deleted.append(true)
            }
        }
        let comparison = replacingEqualVersions ? "<=" : "<" // the stored version against the event's
        _ = try await connection.query(
            """
            WITH input AS (
                SELECT * FROM unnest(\(latest.map(\.userID))::uuid[], \(latest.map(\.version))::bigint[], \(deleted)::boolean[],
                                     \(names)::text[], \(emails)::text[], \(bios)::text[]) AS i (user_id, version, deleted, name, email, bio)
            ), updated AS (
                UPDATE user_documents AS d
                SET version = i.version, deleted = i.deleted, name = i.name, email = i.email, bio = i.bio, indexed_at = now()
                FROM input AS i WHERE d.user_id = i.user_id AND d.version \(unescaped: comparison) i.version
                RETURNING d.user_id
            ), inserted AS (
                INSERT INTO user_documents AS d (user_id, version, deleted, name, email, bio)
                SELECT * FROM input AS i WHERE NOT EXISTS (SELECT 1 FROM user_documents AS e WHERE e.user_id = i.user_id)
                ON CONFLICT (user_id) DO UPDATE SET
                    version = EXCLUDED.version, deleted = EXCLUDED.deleted,
                    name = EXCLUDED.name, email = EXCLUDED.email, bio = EXCLUDED.bio, indexed_at = now()
                WHERE d.version \(unescaped: comparison) EXCLUDED.version
                RETURNING d.user_id
            ), changed AS (
                SELECT user_id, (row_number() OVER () - 1) / 200 AS chunk FROM (SELECT user_id FROM updated UNION ALL SELECT user_id FROM inserted) AS c
            )
            SELECT pg_notify(\(Self.channel), string_agg(user_id::text, ',')) FROM changed GROUP BY chunk
            """,
            logger: logger
        ).collect()
    }
}
