import Database
import Foundation
import Kafka
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
            #expect(try await service.http.send(.DELETE, "/users/\(ids[4])").status == 204)
            _ = try await TopicReader.read(service.topic, from: service.broker, count: 6) // 5 creates, 1 delete

            let database = DatabaseClient(pool: service.database.client, logger: service.database.logger)
            var reported: [Snapshot.Progress] = []
            let progress = try await Snapshot(database: database, store: UserStore(database: database, logger: service.database.logger), logger: service.database.logger)
                .run(chunk: 2) { reported.append($0) }
            #expect(progress.users == 4 && progress.totalUsers == 4)
            #expect(progress.tombstones == 1 && progress.totalTombstones == 1)
            #expect(reported.count == 1 + 2 + 1, "a line at the start and one per chunk (2 + 2 users, 1 tombstone)")

            let records = try await TopicReader.read(service.topic, from: service.broker, count: 11)
            let repairs = try records.compactMap { record -> [String: Any]? in
                let event = try JSONSerialization.jsonObject(with: Data(record.value)) as? [String: Any]
                return event?["repair"] as? Bool == true ? event : nil
            }
            #expect(repairs.count == 5)
            let deleted = repairs.filter { $0["type"] as? String == "UserDeleted" }
            #expect(deleted.count == 1)
            #expect((deleted.first?["data"] as? [String: Any])?["version"] as? Int == 2, "the tombstone's real version")
            let updated = repairs.compactMap { ($0["data"] as? [String: Any])?["userId"] as? String }
            #expect(Set(updated) == Set(ids), "every user once, the deleted one as its delete")
        }
    }
}
