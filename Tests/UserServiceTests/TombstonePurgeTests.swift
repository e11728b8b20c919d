import Database
import Foundation
import Logging
import PostgresNIO
import Testing
import TestSupport
@testable import UserService

/// user-service's tombstones are its store's: purged by `StoreRetentionPurger` after
/// `TOMBSTONE_RETENTION`, never by the relay.
@Suite("user-service tombstones: kept for their retention, then purged", .timeLimit(.minutes(2)))
struct TombstonePurgeTests {
    @Test func tombstonesOlderThanTheRetentionArePurgedAndNewerOnesKept() async throws {
        // The database alone (not a running service, whose own purger would race this test).
        try await withTestDatabase(prefix: "tombstones") { database in
            try await database.migrate(UserServiceConfiguration().schema)
            let old = UUID(), recent = UUID()
            try await database.client.query(
                """
                INSERT INTO user_tombstones (id, version, deleted_at)
                VALUES (\(old), 3, now() - interval '8 days'), (\(recent), 5, now() - interval '1 day')
                """,
                logger: database.logger
            )
            let store = UserStore(database: DatabaseClient(pool: database.client, logger: database.logger), logger: database.logger)
            #expect(try await store.purgeTombstones(olderThan: .seconds(7 * 24 * 3600)) == 1)
            let left = try await database.client.query("SELECT id FROM user_tombstones", logger: database.logger).collect()
            #expect(try left.map { try $0.decode(UUID.self) } == [recent])
            #expect(try await store.purgeTombstones(olderThan: .seconds(7 * 24 * 3600)) == 0, "a second pass finds nothing")
        }
    }
}
