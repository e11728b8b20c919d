import Consumer
import Events
import Foundation
import Logging
import PostgresNIO

/// Counts what happened to profiles. Every figure is a sum over applied events
/// (each event id applied once), so arrival order does not change the result.
/// A user's `deleted` flag is the state of the newest version seen: a late, older
/// update cannot clear it, and only an event at least as new can — in practice a
/// repair, after anti-entropy raised the user's version above a delete that a bad
/// record or a lost source write left behind.
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

    /// The counter of each field in `analytics_counters`.
    static func counterName(_ field: ProfileField) -> String { "updates_\(field.rawValue)" }

    func apply(_ events: [ConsumedEvent], duplicatesSkipped: Int, on connection: PostgresConnection) async throws {
        var counters: [String: Int64] = ["events_applied": Int64(events.count), "duplicates_skipped": Int64(duplicatesSkipped)]
        var users: [UUID: UserDelta] = [:]
        for event in events {
            var delta = users[event.userID] ?? UserDelta()
            // The newest version's deletion state wins; at the same version the later one (a repair).
            if event.version >= delta.lastVersion {
                delta.lastVersion = event.version
                if case .deleted = event.change { delta.deleted = true } else { delta.deleted = false }
            }
            delta.lastEventAt = max(delta.lastEventAt, event.time)
            if event.isRepair { counters["repairs_applied", default: 0] += 1 }
            switch event.change {
            case .deleted:
                break
            case .profileUpdated where event.isRepair:
                break // a repair restores state; it is never a profile update
            case .profileUpdated(_, _, _, let changedFields) where event.version > 1:
                delta.updates += 1
                counters["profile_updates", default: 0] += 1
                for field in Set(changedFields) {
                    counters[Self.counterName(field), default: 0] += 1
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
                    deleted = CASE WHEN EXCLUDED.last_version >= a.last_version THEN EXCLUDED.deleted ELSE a.deleted END,
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
