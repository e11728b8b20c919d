import AsyncHTTPClient
import Consistency
import Consumer
import ConsumerService
import Database
import Events
import Foundation
import HTTPSupport
import Hummingbird
import HummingbirdTesting
import Kafka
import Logging
import NIOHTTP1
import Observability
import PostgresNIO
import Testing
import TestSupport
@testable import AnalyticsService
@testable import SearchService
@testable import UserService

/// Divergence detection against real projections: corrupted by hand in SQL,
/// reported exactly, each user in its class; nothing reported when all agree.
@Suite("reconcile: digests, differing buckets, classes", .timeLimit(.minutes(3)))
struct ReconcileTests {
    @Test
    func corruptedProjectionsAreReportedExactlyAndConsistentOnesNot() async throws {
        let world = try SystemWorld()
        try await withTestDatabase(prefix: "users") { users in
            try await users.migrate(UserServiceConfiguration.schema(migrationsPath: nil))
            try await withTestDatabase(prefix: "search") { search in
                try await search.migrate(SearchService.schema(migrationsPath: nil))
                try await withTestDatabase(prefix: "analytics") { analytics in
                    try await analytics.migrate(AnalyticsService.schema(migrationsPath: nil))
                    let (userManagement, searchManagement, analyticsManagement) = (try freeLocalPort(), try freeLocalPort(), try freeLocalPort())
                    let userService = try await buildApplication(
                        configuration: world.userService(users, managementPort: userManagement), role: .apiAndRelay, telemetry: Telemetry(), logger: testLogger("user-service")
                    )
                    let searchApp = try await ConsumerApplication.build(
                        SearchService.self, configuration: world.consumer(SearchService.group, search, managementPort: searchManagement),
                        telemetry: Telemetry(), logger: testLogger("search")
                    )
                    let analyticsApp = try await ConsumerApplication.build(
                        AnalyticsService.self, configuration: world.consumer(AnalyticsService.group, analytics, managementPort: analyticsManagement),
                        telemetry: Telemetry(), logger: testLogger("analytics")
                    )
                    try await userService.test(.live) { userClient in
                        try await searchApp.test(.live) { searchClient in
                            try await analyticsApp.test(.live) { analyticsClient in
                                let api = HTTPTestClient(port: userClient.port!)
                                var ids: [UUID] = []
                                for index in 0..<8 {
                                    let created = try await api.send(.POST, "/users", body: #"{"name":"User \#(index)","email":"u\#(index)@example.com"}"#)
                                    ids.append(try #require(UUID(uuidString: try created.json()["id"] as? String ?? "")))
                                }
                                _ = try await api.write(.PATCH, "/users/\(ids[1])", body: #"{"bio":"second version"}"#)
                                _ = try await api.write(.DELETE, "/users/\(ids[2])")

                                let http = HTTPClient(eventLoopGroupProvider: .singleton)
                                let store = UserStore(database: DatabaseClient(pool: users.client, logger: users.logger), logger: users.logger)
                                let searchURL = "http://127.0.0.1:\(searchManagement)"
                                let analyticsURL = "http://127.0.0.1:\(analyticsManagement)"
                                do {
                                    // Converged: nothing to report, in both projections.
                                    try await eventually("both projections agree with the source", timeout: .seconds(30), interval: .milliseconds(500)) {
                                        let s = await Reconciler(target: "search", baseURL: searchURL, content: .profile, http: http, source: store, settle: .seconds(5)).run()
                                        let a = await Reconciler(target: "analytics", baseURL: analyticsURL, content: .versionOnly, http: http, source: store, settle: .seconds(5)).run()
                                        return s.result == .consistent && a.result == .consistent && s.entities == 7 && a.entities == 7
                                    }

                                    // Corrupt the projections by hand.
                                    _ = try await search.client.query("DELETE FROM user_documents WHERE user_id = \(ids[0])").collect()                  // missing
                                    _ = try await search.client.query("UPDATE user_documents SET version = 1 WHERE user_id = \(ids[1])").collect()      // stale
                                    _ = try await search.client.query("UPDATE user_documents SET deleted = false WHERE user_id = \(ids[2])").collect()  // extra (resurrected)
                                    _ = try await search.client.query("UPDATE user_documents SET version = 9 WHERE user_id = \(ids[3])").collect()      // ahead
                                    _ = try await search.client.query("UPDATE user_documents SET name = 'Forged' WHERE user_id = \(ids[5])").collect() // content
                                    _ = try await analytics.client.query("DELETE FROM user_activity WHERE user_id = \(ids[4])").collect()               // missing
                                    // A bad record's delete: the user is live in the source, a tombstone in analytics.
                                    _ = try await analytics.client.query("UPDATE user_activity SET deleted = true WHERE user_id = \(ids[6])").collect()

                                    let searchReport = await Reconciler(target: "search", baseURL: searchURL, content: .profile, http: http, source: store, settle: .seconds(10)).run()
                                    #expect(searchReport.result == .divergent)
                                    #expect(Set(searchReport.divergences.map { "\($0.kind.rawValue) \($0.userId)" }) == [
                                        "missing \(ids[0])", "stale \(ids[1])", "extra \(ids[2])", "ahead \(ids[3])", "content \(ids[5])",
                                    ])
                                    let content = try #require(searchReport.divergences.first { $0.kind == .content })
                                    #expect(content.sourceVersion == 1 && content.projectionVersion == 1, "same version, different content")
                                    let stale = try #require(searchReport.divergences.first { $0.kind == .stale })
                                    #expect(stale.sourceVersion == 2 && stale.projectionVersion == 1)
                                    let analyticsReport = await Reconciler(target: "analytics", baseURL: analyticsURL, content: .versionOnly, http: http, source: store, settle: .seconds(10)).run()
                                    #expect(Set(analyticsReport.divergences.map { "\($0.kind.rawValue) \($0.userId)" }) == ["missing \(ids[4])", "missing \(ids[6])"])
                                    let hidden = try #require(analyticsReport.divergences.first { $0.userId == ids[6] })
                                    #expect(hidden.projectionVersion == 1, "reconcile learns the tombstone's version from the listing")
                                    #expect(ReconcileReport.table([searchReport, analyticsReport]).contains("7 divergent user(s)"))

                                    // Repair through the outbox; a second run finds nothing; versions never went backwards.
                                    let analyticsAPI = HTTPTestClient(port: analyticsClient.port!)
                                    let updatesBefore = try await analyticsAPI.send(.GET, "/analytics/summary").decode(AnalyticsSummary.self).profileUpdates
                                    let repairs = Repairs(database: DatabaseClient(pool: users.client, logger: users.logger), store: store, logger: users.logger)
                                    let repairedSearch = await Reconciler(target: "search", baseURL: searchURL, content: .profile, http: http, source: store, settle: .seconds(10))
                                        .runAndRepair(with: repairs)
                                    #expect(repairedSearch.repaired == 5)
                                    #expect(repairedSearch.remainingAfterRepair == 0)
                                    let repairedAnalytics = await Reconciler(target: "analytics", baseURL: analyticsURL, content: .versionOnly, http: http, source: store, settle: .seconds(10))
                                        .runAndRepair(with: repairs)
                                    #expect(repairedAnalytics.remainingAfterRepair == 0)
                                    for (name, url, content) in [("search", searchURL, ProjectionContent.profile), ("analytics", analyticsURL, .versionOnly)] {
                                        let again = await Reconciler(target: name, baseURL: url, content: content, http: http, source: store, settle: .seconds(10)).run()
                                        #expect(again.result == .consistent, "\(name) after repair: \(again.divergences)")
                                    }
                                    let searchAPI = HTTPTestClient(port: searchClient.port!)
                                    #expect(try await searchAPI.send(.GET, "/search/users/\(ids[2].uuidString.lowercased())").status == 404, "the deleted user stays deleted")
                                    let ahead = try await api.send(.GET, "/users/\(ids[3])")
                                    #expect(ahead.header("ETag") == "\"10\"", "the source moved above the projection's version 9")
                                    let restored = try await searchAPI.send(.GET, "/search/users/\(ids[5].uuidString.lowercased())").decode(IndexedDocument.self)
                                    #expect(restored.name != "Forged", "the content repair overwrote the forged name")
                                    let brought = try await analyticsAPI.send(.GET, "/analytics/users/\(ids[6].uuidString.lowercased())").decode(UserActivity.self)
                                    #expect(brought.deleted == false, "the repair brought back the user a bad delete hid")
                                    #expect(brought.lastVersion == 2, "above the tombstone's version 1")
                                    let summary = try await analyticsAPI.send(.GET, "/analytics/summary").decode(AnalyticsSummary.self)
                                    #expect(summary.profileUpdates == updatesBefore, "repairs are not profile updates")
                                    #expect(summary.repairsApplied >= 1)

                                    // A projection that claims a version outside 1…2^53−1 makes the comparison "could not
                                    // check" (exit 2), never a crash; one at the top of the range is "ahead", and its repair,
                                    // which would need the version after it, is refused with the reason, nothing written.
                                    let top = ids[3]
                                    func outboxRows() async throws -> Int {
                                        try await users.client.query("SELECT count(*)::bigint FROM outbox WHERE aggregate_id = \(top)").collect().first!.decode(Int.self)
                                    }
                                    let outboxBefore = try await outboxRows()
                                    _ = try await search.client.query("UPDATE user_documents SET version = \(Int64.max) WHERE user_id = \(top)").collect()
                                    let garbage = await Reconciler(target: "search", baseURL: searchURL, content: .profile, http: http, source: store, settle: .seconds(10))
                                        .runAndRepair(with: repairs)
                                    #expect(garbage.result == .failed)
                                    #expect(garbage.error?.contains("lists user \(top.uuidString.lowercased()) at version \(Int64.max), outside 1…2^53−1") == true, "\(garbage.error ?? "no error")")
                                    #expect(ReconcileReport.table([garbage]).contains("search: could not check:"))
                                    _ = try await search.client.query("UPDATE user_documents SET version = \(EventVersion.maximum) WHERE user_id = \(top)").collect()
                                    let atTheTop = await Reconciler(target: "search", baseURL: searchURL, content: .profile, http: http, source: store, settle: .seconds(10))
                                        .runAndRepair(with: repairs)
                                    #expect(atTheTop.divergences.map { "\($0.kind.rawValue) \($0.userId)" } == ["ahead \(top)"])
                                    #expect(atTheTop.error?.hasPrefix("repair: ") == true && atTheTop.error?.contains("\(EventVersion.maximum)") == true, "\(atTheTop.error ?? "no error")")
                                    #expect(try await outboxRows() == outboxBefore, "no repair written")
                                    #expect(try await api.send(.GET, "/users/\(top)").header("ETag") == "\"10\"", "the source's version unchanged, user-service answering")

                                    // The digest itself: bucket layout checks and a bucket listing.
                                    let digest = try await HTTPTestClient(port: searchManagement).send(.GET, "/consistency/digest?buckets=3")
                                    #expect(digest.status == 400, "buckets must be a power of two")
                                    let layout = BucketLayout(count: 256)!
                                    #expect(try await HTTPTestClient(port: searchClient.port!).send(.GET, "/consistency/digest").status == 404, "not on the public port")
                                    let listing = try await HTTPTestClient(port: userManagement).send(.GET, "/consistency/buckets/\(layout.bucket(of: ids[5]))")
                                    #expect(listing.text.contains(ids[5].uuidString.lowercased()))
                                } catch {
                                    try await http.shutdown()
                                    throw error
                                }
                                try await http.shutdown()
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    func theRelayLeaderFindsAndRepairsADivergenceOnItsOwn() async throws {
        try await RunningSystem.run(try SystemWorld()) { system in
            let created = try await system.userAPI.send(.POST, "/users", body: #"{"name":"Grace","email":"grace@example.com"}"#)
            let id = try #require(try created.json()["id"] as? String)
            try await eventually("indexed") { try await system.searchAPI.send(.GET, "/search/users/\(id)").status == 200 }
            try await eventually("a consistent check was logged") {
                SystemWorld.metric(#"anti_entropy_runs_total{target="search",result="consistent"}"#, system.userTelemetry) ?? 0 >= 1
            }
            _ = try await system.search.client.query("DELETE FROM user_documents WHERE user_id = \(UUID(uuidString: id)!)").collect()
            try await eventually("the periodic check found it and repaired it", timeout: .seconds(30)) {
                let found = (SystemWorld.metric(#"anti_entropy_runs_total{target="search",result="divergent"}"#, system.userTelemetry) ?? 0) >= 1
                let back = try await system.searchAPI.send(.GET, "/search/users/\(id)").status == 200
                return found && back
            }
        }
    }
}
