import Consumer
import Foundation
import Kafka
import NIOHTTP1
import PostgresNIO
import TestSupport
import Testing
@testable import AnalyticsService
@testable import SearchService

/// Personal data only where needed: once a user is deleted and its delete has gone through
/// the system, its name, email and bio are in no table of the three databases — every
/// column of every table read as text — after everything that copies them somewhere: a
/// create, updates, an idempotent retry, a record about the user that both consumers
/// dead-letter, and the delete.
@Suite("personal data: a deleted user's profile is left in no table", .timeLimit(.minutes(5)))
struct PersonalDataTests {
    @Test func aDeletedUsersNameEmailAndBioAreInNoTableOfAnyDatabaseOnceItsDeleteIsApplied() async throws {
        let world = try SystemWorld()
        try await RunningSystem.run(world) { system in
            // A tag no id or hex digest can contain, in every value: it also finds the values cut up (a tsvector's lexemes).
            let tag = String((0..<10).map { _ in "ghijklmnopqrstuvwxyz".randomElement()! })
            let (name, renamed, email) = ("Ada \(tag)", "Ada Renamed \(tag)", "ada-\(tag)@example.com")
            let (bio, newBio) = ("first bio \(tag)", "second bio \(tag)")
            let personal = [tag, name, renamed, email, bio, newBio]

            let create = #"{"name":"\#(name)","email":"\#(email)","bio":"\#(bio)"}"#
            let createKey = UUID().uuidString
            let created = try await system.userAPI.send(.POST, "/users", headers: [("Idempotency-Key", createKey)], body: create)
            #expect(created.status == 201)
            let id = try #require(UUID(uuidString: try created.json()["id"] as? String ?? ""))
            let path = "/users/\(id.uuidString.lowercased())"
            let retried = try await system.userAPI.send(.POST, "/users", headers: [("Idempotency-Key", createKey)], body: create)
            #expect(retried.status == 201 && retried.header("Idempotent-Replayed") == "true")
            let put = #"{"name":"\#(name)","email":"\#(email)","bio":"\#(newBio)"}"#
            let putHeaders = [("Idempotency-Key", UUID().uuidString), ("If-Match", "\"1\"")]
            #expect(try await system.userAPI.send(.PUT, path, headers: putHeaders, body: put).status == 200)
            #expect(try await system.userAPI.send(.PATCH, path, headers: [("If-Match", "\"2\"")], body: #"{"name":"\#(renamed)"}"#).status == 200)

            // A record about the user that breaks a field rule, with its profile, signed (a buggy producer):
            // both consumers dead-letter it with its value.
            let poison = try HostileEventsTests.record(world.topic, id, HostileEventsTests.profile(
                id, version: 4, id: UUID(), name: renamed + "\u{0}", email: email, bio: newBio
            ))
            let producer = try KafkaProducer(configuration: world.broker.producerConfiguration(), logger: world.broker.logger)
            try await withRunningService(producer) {
                for result in await producer.sendBatch([poison]) { _ = try result.get() }
            }
            for group in [SearchService.group, AnalyticsService.group] {
                _ = try await TopicReader.read(DeadLetter.topic(for: world.topic, group: group), from: world.broker, count: 1)
            }
            try await eventually("both consumers published their dead letter and applied version 3") {
                for database in [system.search, system.analytics] {
                    guard try await Self.count(database, "SELECT count(*) FROM dead_letter_outbox WHERE published_at IS NOT NULL") == 1 else { return false }
                }
                let document = try await system.searchAPI.send(.GET, "/search/users/\(id.uuidString.lowercased())")
                guard document.status == 200 else { return false }
                return try document.decode(IndexedDocument.self).version == 3
            }

            // The scan sees what it looks for, in text, in tsvectors and in bytea.
            _ = try await system.users.client.query("CREATE TABLE scan_probe (value bytea)").collect()
            _ = try await system.users.client.query("INSERT INTO scan_probe VALUES (\(Data(email.utf8)))").collect()
            let before = try await Self.columnsHolding(personal, in: system.users) + Self.columnsHolding(personal, in: system.search)
            for column in ["public.users.email", "public.outbox.payload", "public.idempotency_keys.body", "public.scan_probe.value",
                           "public.user_documents.name", "public.user_documents.document"] {
                #expect(before.contains(column), "the scan finds the user in \(column) while it exists: \(before)")
            }
            _ = try await system.users.client.query("DROP TABLE scan_probe").collect()

            let deleteHeaders = [("Idempotency-Key", UUID().uuidString), ("If-Match", "\"3\"")]
            #expect(try await system.userAPI.send(.DELETE, path, headers: deleteHeaders).status == 204)
            try await eventually("the delete is published and applied by both consumers") {
                let published = try await Self.count(
                    system.users, "SELECT count(*) FROM outbox WHERE event_type = 'UserDeleted' AND published_at IS NOT NULL AND aggregate_id = \(id)"
                )
                let searchDeleted = try await Self.count(system.search, "SELECT count(*) FROM user_documents WHERE deleted AND user_id = \(id)")
                let analyticsDeleted = try await Self.count(system.analytics, "SELECT count(*) FROM user_activity WHERE deleted AND user_id = \(id)")
                return published >= 1 && searchDeleted == 1 && analyticsDeleted == 1
            }
            let retriedAfter = try await system.userAPI.send(.POST, "/users", headers: [("Idempotency-Key", createKey)], body: create)
            #expect(retriedAfter.status == 410 && retriedAfter.header("Idempotent-Replayed") == "true", "\(retriedAfter.text)")

            for (service, database) in [("users", system.users), ("search", system.search), ("analytics", system.analytics)] {
                let found = try await Self.columnsHolding(personal, in: database)
                #expect(found.isEmpty, "\(service) still holds the deleted user's data in \(found)")
            }
            // Create, put, patch and delete (and any repair anti-entropy sent for a write it saw in flight).
            #expect(try await Self.count(system.users, "SELECT count(*) FROM outbox WHERE aggregate_id = \(id)") >= 4, "the rows stay, without the profile")
        }
    }

    /// Every column (`schema.table.column`) of every table in `database` where some row's value,
    /// read as text (bytea as its escaped bytes), contains one of `needles`, ignoring case.
    static func columnsHolding(_ needles: [String], in database: TestDatabase) async throws -> [String] {
        let columns = try await database.client.query(
            """
            SELECT c.table_schema, c.table_name, c.column_name, c.data_type
            FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
            WHERE t.table_type = 'BASE TABLE' AND c.table_schema NOT IN ('pg_catalog', 'information_schema')
            ORDER BY 1, 2, 3
            """
        ).collect()
        var found: [String] = []
        for row in columns {
            let (schema, table, column, type) = try row.decode((String, String, String, String).self)
            let quotedTable = "\"\(schema)\".\"\(table)\""
            let text = type == "bytea" ? "encode(\"\(column)\", 'escape')" : "\"\(column)\"::text"
            let query: PostgresQuery = """
                SELECT count(*) FROM \(unescaped: quotedTable)
                WHERE EXISTS (SELECT 1 FROM unnest(\(needles)::text[]) AS n WHERE strpos(lower(\(unescaped: text)), lower(n)) > 0)
                """
            if try await count(database, query) > 0 { found.append("\(schema).\(table).\(column)") }
        }
        return found
    }

    static func count(_ database: TestDatabase, _ query: PostgresQuery) async throws -> Int {
        try await database.client.query(query).collect()[0].decode(Int.self)
    }
}
