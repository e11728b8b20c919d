import Consumer
import Foundation
import Logging
import PostgresNIO

/// Counts what happened to profiles. Every figure is a sum over applied events
/// (each event id applied once), so arrival order does not change the result;
/// a user's `deleted` flag is a tombstone that a late update cannot clear.
///
/// `profileUpdates` and `updatesByField` count `UserProfileUpdated` events with
/// version > 1 (creates are not updates), by the fields each one changed.
/// Repair events (`repair: true`) count in `repairsApplied` only.
struct AnalyticsProjection: EventProjection {
    static let migrationsName = "analytics"
    static let tables = ["user_activity", "analytics_counters"]
    let logger: Logger

    private struct UserDelta {
        var updates: Int64 = 0
        var lastVersion: Int64 = 0
        var deleted = false
        var lastEventAt = Date.distantPast
    }

    func apply(_ events: [ConsumedEvent], duplicatesSkipped: Int, on connection: PostgresConnection) async throws {
        var counters: [String: Int64] = ["events_applied": Int64(events.count), "duplicates_skipped": Int64(duplicatesSkipped)]
        var users: [UUID: UserDelta] = [:]
        for event in events {
            var delta = users[event.userID] ?? UserDelta()
            delta.lastVersion = max(delta.lastVersion, event.version)
            delta.lastEventAt = max(delta.lastEventAt, event.time)
            if event.isRepair { counters["repairs_applied", default: 0] += 1 }
            switch event.change {
            case .deleted:
                delta.deleted = true
            case .profileUpdated where event.isRepair:
                break // a repair restores state; it is never a profile update
            case .profileUpdated(_, _, _, let changedFields) where event.version > 1:
                delta.updates += 1
                counters["profile_updates", default: 0] += 1
                for field in Set(changedFields) where ["name", "email", "bio"].contains(field) {
                    counters["updates_\(field)", default: 0] += 1
                }
            case .profileUpdated:
                break
            }
            users[event.userID] = delta
        }
        if !users.isEmpty {
            let ids = Array(users.keys)
            let deltas = ids.map { users[$0]! }
            try await connection.query(
                """
                INSERT INTO user_activity AS a (user_id, updates, last_version, deleted, last_event_at)
                SELECT * FROM unnest(\(ids)::uuid[], \(deltas.map(\.updates))::bigint[], \(deltas.map(\.lastVersion))::bigint[],
                                     \(deltas.map(\.deleted))::boolean[], \(deltas.map(\.lastEventAt))::timestamptz[])
                ON CONFLICT (user_id) DO UPDATE SET
                    updates = a.updates + EXCLUDED.updates,
                    last_version = GREATEST(a.last_version, EXCLUDED.last_version),
                    deleted = a.deleted OR EXCLUDED.deleted,
                    last_event_at = GREATEST(a.last_event_at, EXCLUDED.last_event_at)
                """,
                logger: logger
            )
        }
        let names = counters.keys.sorted().filter { counters[$0]! != 0 }
        guard !names.isEmpty else { return }
        try await connection.query(
            """
            UPDATE analytics_counters AS c SET value = c.value + d.delta
            FROM unnest(\(names)::text[], \(names.map { counters[$0]! })::bigint[]) AS d(name, delta)
            WHERE c.name = d.name
            """,
            logger: logger
        )
    }
}
