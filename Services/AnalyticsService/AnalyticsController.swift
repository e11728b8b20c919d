import Database
import Events
import Foundation
import HTTPSupport
import Hummingbird
import Logging
import PostgresNIO

/// The read API of analytics-service.
struct AnalyticsController: Sendable {
    let database: DatabaseClient

    func addRoutes(to group: RouterGroup<ServiceRequestContext>) {
        group.get("summary") { _, _ in try await self.summary() }
        group.get("users/:id") { _, context in try await self.user(context.parameters.require("id")) }
    }

    func summary() async throws -> AnalyticsSummary {
        var counters: [String: Int64] = [:]
        for row in try await database.query("SELECT name, value FROM analytics_counters") {
            let (name, value) = try row.decode((String, Int64).self)
            counters[name] = value
        }
        var summary = AnalyticsSummary(
            users: 0, deletedUsers: 0, profileUpdates: counters["profile_updates"] ?? 0,
            updatesByField: Dictionary(uniqueKeysWithValues: ProfileField.allCases.map { ($0.rawValue, counters[AnalyticsProjection.counterName($0)] ?? 0) }),
            eventsApplied: counters["events_applied"] ?? 0, duplicatesSkipped: counters["duplicates_skipped"] ?? 0,
            repairsApplied: counters["repairs_applied"] ?? 0, lastEventAt: nil
        )
        let rows = try await database.query(
            "SELECT count(*) FILTER (WHERE NOT deleted), count(*) FILTER (WHERE deleted), max(last_event_at) FROM user_activity"
        )
        for row in rows {
            let (live, deleted, last) = try row.decode((Int64, Int64, Date?).self)
            summary.users = live
            summary.deletedUsers = deleted
            summary.lastEventAt = last.map(RFC3339.format)
        }
        return summary
    }

    func user(_ raw: String) async throws -> UserActivity {
        guard let id = UUID(uuidString: raw) else {
            throw HTTPProblem.notFound("no activity for user '\(raw.prefix(100))': user ids are UUIDs")
        }
        let rows = try await database.query(
            "SELECT updates, last_version, deleted, last_event_at FROM user_activity WHERE user_id = \(id)"
        )
        for row in rows {
            let (updates, lastVersion, deleted, lastEventAt) = try row.decode((Int64, Int64, Bool, Date).self)
            return UserActivity(userId: id.uuidString.lowercased(), updates: updates, lastVersion: lastVersion, deleted: deleted, lastEventAt: RFC3339.format(lastEventAt))
        }
        throw HTTPProblem.notFound("no activity for user \(id.uuidString.lowercased()) yet")
    }
}
