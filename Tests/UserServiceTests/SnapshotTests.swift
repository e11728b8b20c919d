import AsyncPrimitives
import Database
import Events
import Foundation
import Kafka
import PostgresNIO
import NIOHTTP1
import Testing
import TestSupport
@testable import UserService

/// `user-service snapshot`: the source's state, as repair events through the outbox.
@Suite("snapshot: every live user and tombstone as repair events", .timeLimit(.minutes(2)))
struct SnapshotTests {
    @Test
    func everyLiveUserAndEveryTombstoneIsPublishedOnceAsARepairInChunks() async throws {
        try await withUserService { service in
            var ids: [String] = []
            for index in 0..<5 { ids.append(try #require(try await service.createUser(name: "Snap \(index)")["id"] as? String)) }
            #expect(try await service.http.write(.DELETE, "/users/\(ids[4])").status == 204)
            _ = try await TopicReader.read(service.topic, from: service.broker, count: 6) // 5 creates, 1 delete

            let database = DatabaseClient(pool: service.database.client, logger: service.database.logger)
            var reported: [Snapshot.Progress] = []
            let progress = try await Snapshot(database: database, store: UserStore(database: database, logger: service.database.logger), logger: service.database.logger)
                .run(chunk: 2) { reported.append($0) }
            #expect(progress.users == 4 && progress.totalUsers == 4)
            #expect(progress.tombstones == 1 && progress.totalTombstones == 1)
            #expect(reported.count == 1 + 2 + 1, "a line at the start and one per chunk (2 + 2 users, 1 tombstone)")

            let records = try await TopicReader.read(service.topic, from: service.broker, count: 11)
            let repairs = try records.map { try $0.readEvent() }.filter { $0.event.repair == true }
            #expect(repairs.count == 5)
            let deleted = repairs.compactMap(\.event.deleted)
            #expect(deleted.count == 1)
            #expect(deleted.first?.data.version == 2, "the tombstone's real version")
            let updated = repairs.compactMap { $0.userID?.uuidString.lowercased() }
            #expect(updated.count == 5 && Set(updated) == Set(ids), "every user once, the deleted one as its delete")
            // Each repair's time is its outbox row's created_at, taken by the insert statement.
            let rows = try await service.database.client.query("SELECT event_id, created_at FROM outbox").decode((UUID, Date).self)
            var createdAt: [UUID: Date] = [:]
            for try await (id, time) in rows { createdAt[id] = time }
            for repair in repairs {
                #expect(repair.time == createdAt[repair.id], "the event's time is its row's created_at")
            }
        }
    }

    @Test
    func aPacedSnapshotWaitsWhileTheOutboxBacklogIsAboveItsLimitAndGoesOnOnceItDrains() async throws {
        try await withUserService(role: .apiOnly) { service in
            for index in 0..<6 { _ = try await service.createUser(name: "Paced \(index)") }
            let database = DatabaseClient(pool: service.database.client, logger: service.database.logger)
            let snapshot = Snapshot(database: database, store: UserStore(database: database, logger: service.database.logger), logger: service.database.logger)
            // No relay runs: the 6 creates are pending, above the limit of 4, so nothing is written yet.
            let reports = SnapshotReports()
            async let finished = snapshot.run(chunk: 1000, pace: Snapshot.Pace(rate: 20, maxPending: 4)) { reports.add($0) }
            // (It counts the backlog only up to one above its limit.)
            try await eventually("the snapshot waits for the relay") { reports.last?.waitingForRelay == 5 }
            let outbox = { try await service.database.client.query("SELECT count(*) FROM outbox").collect()[0].decode(Int.self) }
            #expect(try await outbox() == 6, "no repair event written while the backlog is above the limit")

            // A stand-in relay marks everything published as it comes: the snapshot goes on, in chunks of a
            // tenth of its rate (2 rows).
            let done = AsyncLatch()
            async let relay: Void = {
                while !done.isOpen {
                    _ = try await service.database.client.query("UPDATE outbox SET published_at = now() WHERE published_at IS NULL").collect()
                    try await Task.sleep(for: .milliseconds(20))
                }
            }()
            let progress = try await finished
            done.open()
            try await relay
            #expect(progress.users == 6)
            #expect(try await outbox() == 12)
            #expect(reports.all.filter { $0.waitingForRelay == nil && $0.users > 0 }.map(\.users) == [2, 4, 6], "chunks of 2 rows at 20 rows/s")
        }
    }
}

