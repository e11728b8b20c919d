import AsyncPrimitives
import Database
import Foundation
import Logging
import PostgresNIO
import TestSupport
import Testing
@testable import SearchService

/// The wake-up path of `minVersion` reads, on its own: the projection notifies
/// in its transaction, and a waiting request is woken by that notification —
/// not by its periodic re-check.
@Suite("search: index notifications wake waiting reads", .timeLimit(.minutes(2)))
struct IndexNotificationsTests {
    @Test
    func aNotificationWakesTheWaiterOfThatUserAndNoOther() async throws {
        try await withTestDatabase(prefix: "search") { database in
            let notifications = IndexNotifications(database: database.url, logger: testLogger("notifications"))
            try await withRunningService(notifications) {
                try await eventually("the service listens") {
                    try await database.client.query(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'"
                    ).collect()[0].decode(Int.self) == 1
                }
                let user = UUID()
                let waiter = try #require(notifications.register(user))
                let bystander = try #require(notifications.register(UUID()))
                defer {
                    notifications.unregister(waiter)
                    notifications.unregister(bystander)
                }
                let payload = "\(UUID().uuidString.lowercased()),\(user.uuidString.lowercased())"
                _ = try await database.client.query("SELECT pg_notify(\(SearchProjection.channel), \(payload))").collect()
                // Far longer than the request's own 500 ms re-check: only the notification can end this wait early.
                #expect(await waiter.signal.wait(timeout: .seconds(30)), "woken by the notification")
                #expect(await bystander.signal.wait(timeout: .milliseconds(300)) == false, "another user's waiter stays asleep")
            }
        }
    }

    /// Waiting requests are bounded per instance: past the bound `register` refuses (the read
    /// answers 503 with `Retry-After`), and a place is free again once a waiter leaves.
    @Test
    func waitersAreBoundedAndAPlaceIsFreedWhenOneLeaves() {
        let notifications = IndexNotifications(
            database: PostgresURL(host: "127.0.0.1", username: "unused", database: "unused"), logger: testLogger("notifications"), maximumWaiters: 3
        )
        let users = (0..<3).map { _ in UUID() }
        let waiters = users.compactMap { notifications.register($0) }
        #expect(waiters.count == 3)
        #expect(notifications.register(UUID()) == nil, "a fourth waiter is refused")
        notifications.unregister(waiters[0])
        notifications.unregister(waiters[0]) // twice: still one place freed, not two
        let again = notifications.register(UUID())
        #expect(again != nil, "the place of the waiter that left is free")
        #expect(notifications.register(UUID()) == nil)
    }

    @Test
    func indexingADocumentNotifiesItsUserInTheSameTransaction() async throws {
        try await withConsumerWorld { world in
            try await withTestDatabase(prefix: "search") { database in
                try await withConsumerService(SearchService.self, world: world, database: database) { _ in
                    let connection = try await PostgresConnection.connect(
                        configuration: database.url.connectionConfiguration, id: 5, logger: database.logger
                    )
                    let user = UUID()
                    let received = try await connection.listen(on: SearchProjection.channel) { stream in
                        try await world.publish([TestEvents.updated(user, version: 1)])
                        return try await TimeLimit.run(.seconds(20)) {
                            for try await notification in stream { return notification.payload }
                            return ""
                        }
                    }
                    try await connection.close()
                    #expect(received.split(separator: ",").contains(Substring(user.uuidString.lowercased())))
                    let document = try await database.client.query("SELECT version FROM user_documents WHERE user_id = \(user)").collect()
                    #expect(document.count == 1, "the notification came with the change, which is visible")
                }
            }
        }
    }
}
