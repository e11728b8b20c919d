import Consumer
import ConsumerService
import Foundation
import NIOHTTP1
import Testing
import TestSupport
@testable import AnalyticsService
@testable import SearchService

/// Heartbeats on every partition let a consumer see a stalled pipeline even
/// when its lag reads 0: staleness grows, and the lag line turns STALE.
@Suite("consumers: heartbeats and staleness", .timeLimit(.minutes(3)))
struct FreshnessTests {
    static let group = AnalyticsService.group

    @Test
    func heartbeatsAreNeverAppliedDeduplicatedCountedOrDeadLettered() async throws {
        try await withConsumerWorld { world in
            try await withTestDatabase(prefix: "analytics") { database in
                try await withConsumerService(AnalyticsService.self, world: world, database: database) { service in
                    try await world.publishHeartbeats(watermark: Date())
                    try await world.publish([TestEvents.updated(UUID(), version: 1)])
                    try await world.publishHeartbeats(watermark: Date())
                    try await eventually("everything consumed") { try await world.lag(Self.group) == 0 }
                    let summary = try await service.get("/analytics/summary", as: AnalyticsSummary.self)
                    #expect(summary.eventsApplied == 1)
                    #expect(summary.duplicatesSkipped == 0)
                    #expect(try await database.count("processed_events") == 1)
                    #expect(try await database.count("dead_letter_outbox") == 0)
                    #expect(service.metric(#"consumer_events_total{outcome="applied"}"#) == 1)
                }
                #expect(try await TopicReader.readAll(world.deadLetterTopic(Self.group), from: world.broker).isEmpty)
            }
        }
    }

    @Test
    func withLagZeroAnOldWatermarkIsStaleAndAFreshOneIsOK() async throws {
        try await withConsumerWorld { world in
            try await withTestDatabase(prefix: "analytics") { database in
                try await withConsumerService(
                    AnalyticsService.self, world: world, database: database, configure: { $0.consumer.stalenessSLO = .seconds(2) }
                ) { service in
                    // Fresh heartbeats keep coming, as from a running relay (every 300 ms here), on their
                    // own schedule: checked right after a publish, the lag would still count those records.
                    try await withThrowingTaskGroup(of: Void.self) { relay in
                        relay.addTask {
                            while !Task.isCancelled {
                                try await world.publishHeartbeats(watermark: Date())
                                try await Task.sleep(for: .milliseconds(300))
                            }
                        }
                        try await eventually("OK, lag 0, while heartbeats are fresh", timeout: .seconds(20)) {
                            try await world.lag(Self.group) == 0 && service.status() == .ok
                        }
                        relay.cancelAll()
                    }
                    // The relay stops: no heartbeat arrives, nothing is lagging, the watermark ages.
                    try await eventually("STALE once the watermark is older than the SLO, with lag 0", timeout: .seconds(15)) {
                        service.status() == .stale
                    }
                    #expect(try await world.lag(Self.group) == 0)
                    #expect((service.metric("consumer_staleness_seconds") ?? 0) > 2)
                    // A backlog upstream: a heartbeat whose watermark is an hour old (the oldest unpublished row).
                    try await world.publishHeartbeats(watermark: Date().addingTimeInterval(-3600))
                    try await eventually("staleness shows the backlog's age") { (service.metric("consumer_staleness_seconds") ?? 0) > 3000 }
                    try await eventually("OK again when the relay is back", interval: .milliseconds(300)) {
                        try await world.publishHeartbeats(watermark: Date())
                        return service.status() == .ok
                    }
                    #expect((service.metric("consumer_staleness_seconds") ?? 99) < 2)
                }
            }
        }
    }

    @Test
    func searchSaysHowStaleTheIndexIsAndRefusesReadsStalerThanAsked() async throws {
        try await withConsumerWorld { world in
            try await withTestDatabase(prefix: "search") { database in
                try await withConsumerService(SearchService.self, world: world, database: database) { service in
                    let unknown = try await service.http.send(.GET, "/search?q=ada&maxStalenessMs=60000")
                    #expect(unknown.status == 503, "before the first heartbeat the staleness is not known")
                    #expect(unknown.header("Retry-After") == "1")
                    #expect(unknown.header("Content-Type") == "application/problem+json")

                    let user = UUID()
                    try await world.publish([TestEvents.updated(user, version: 1)])
                    let path = "/search/users/\(user.uuidString.lowercased())"
                    try await eventually("a fresh index answers within 60 s of staleness", interval: .milliseconds(300)) {
                        try await world.publishHeartbeats(watermark: Date())
                        return try await service.http.send(.GET, path + "?maxStalenessMs=60000").status == 200
                    }
                    let fresh = try await service.http.send(.GET, path)
                    let staleness = try #require(fresh.header("X-Index-Staleness-Ms").flatMap(Int.init))
                    #expect(staleness < 60_000)
                    let missing = try await service.http.send(.GET, "/search/users/\(UUID().uuidString.lowercased())")
                    #expect(missing.status == 404)
                    #expect(missing.header("X-Index-Staleness-Ms") != nil, "every search response carries it")
                    #expect(try await service.http.send(.GET, "/search?q=ada&maxStalenessMs=-1").status == 400)

                    // No more heartbeats: the index ages; a read that asks for 1 s is refused, one that asks for a minute is not.
                    try await eventually("the index is staler than 1 s", timeout: .seconds(10)) {
                        let response = try await service.http.send(.GET, path + "?maxStalenessMs=1000")
                        return response.status == 503 && response.header("Retry-After") == "1"
                            && (response.header("X-Index-Staleness-Ms").flatMap(Int.init) ?? 0) > 1000
                    }
                    #expect(try await service.http.send(.GET, path + "?maxStalenessMs=60000").status == 200)
                }
            }
        }
    }
}
