import ServiceConfiguration
import Database
import Foundation
import Logging
import PostgresNIO
import Testing
import TestSupport

@Suite("Migration runner against PostgreSQL", .timeLimit(.minutes(3)))
struct MigrationRunnerTests {
    let first = MigrationFile(version: 1, name: "init", sql: "CREATE TABLE widgets (id integer PRIMARY KEY, name text NOT NULL);")
    let second = MigrationFile(version: 2, name: "add_color", sql: """
        ALTER TABLE widgets ADD COLUMN color text;
        INSERT INTO widgets (id, name, color) VALUES (1, 'one', 'red');
        """)

    private func versions(_ database: TestDatabase) async throws -> [Int] {
        var result: [Int] = []
        for try await version in try await database.client.query("SELECT version FROM schema_migrations ORDER BY version").decode(Int.self) {
            result.append(version)
        }
        return result
    }

    @Test func appliesFilesInVersionOrderAndRecordsThem() async throws {
        try await withTestDatabase { database in
            // The runner applies files in the order it is given; MigrationFile.load sorts them by version.
            let runner = MigrationRunner(client: database.client, files: [first, second], logger: database.logger)
            #expect(try await runner.migrate() == [1, 2])
            #expect(try await versions(database) == [1, 2])
            let rows = try await database.client.query("SELECT color FROM widgets WHERE id = 1").decode(String.self)
            var colors: [String] = []
            for try await color in rows { colors.append(color) }
            #expect(colors == ["red"])
        }
    }

    @Test func rerunningIsANoOp() async throws {
        try await withTestDatabase { database in
            let runner = MigrationRunner(client: database.client, files: [first, second], logger: database.logger)
            try await runner.migrate()
            #expect(try await runner.migrate() == [])
            #expect(try await versions(database) == [1, 2])
        }
    }

    @Test func twoConcurrentRunnersApplyEachFileOnce() async throws {
        try await withTestDatabase { database in
            let runner = MigrationRunner(client: database.client, files: [first, second], logger: database.logger)
            async let a = runner.migrate()
            async let b = runner.migrate()
            let (appliedByA, appliedByB) = try await (a, b)
            #expect((appliedByA + appliedByB).sorted() == [1, 2], "each version applied by exactly one runner")
            #expect(try await versions(database) == [1, 2])
        }
    }

    @Test func changedAppliedFileIsRefused() async throws {
        try await withTestDatabase { database in
            try await MigrationRunner(client: database.client, files: [first], logger: database.logger).migrate()
            let edited = MigrationFile(version: 1, name: "init", sql: first.sql + "\n-- edited")
            let error = await #expect(throws: MigrationError.self) {
                try await MigrationRunner(client: database.client, files: [edited, second], logger: database.logger).migrate()
            }
            #expect(error?.code == .checksumMismatch)
            #expect(try await versions(database) == [1], "nothing after the mismatch is applied")
        }
    }

    @Test func failingFileLeavesNoTraceAndReportsItsName() async throws {
        try await withTestDatabase { database in
            let broken = MigrationFile(version: 2, name: "broken", sql: "ALTER TABLE widgets ADD COLUMN size integer; SELECT * FROM no_such_table;")
            let error = await #expect(throws: MigrationError.self) {
                try await MigrationRunner(client: database.client, files: [first, broken], logger: database.logger).migrate()
            }
            #expect(error?.message.contains("2_broken") == true)
            #expect(try await versions(database) == [1])
            let columns = try await database.client.query(
                "SELECT count(*) FROM information_schema.columns WHERE table_name = 'widgets' AND column_name = 'size'"
            ).decode(Int.self)
            for try await count in columns { #expect(count == 0, "the failed file's first statement was rolled back") }
        }
    }

    @Test func loaderOrdersFilesAndRejectsBadNames() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("migrations-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "SELECT 2;".write(to: directory.appendingPathComponent("0010_second.sql"), atomically: true, encoding: .utf8)
        try "SELECT 1;".write(to: directory.appendingPathComponent("0002_first.sql"), atomically: true, encoding: .utf8)
        try "ignored".write(to: directory.appendingPathComponent("README.md"), atomically: true, encoding: .utf8)
        let files = try MigrationFile.load(from: directory)
        #expect(files.map(\.version) == [2, 10])
        #expect(files.map(\.name) == ["first", "second"])

        try "SELECT 3;".write(to: directory.appendingPathComponent("third.sql"), atomically: true, encoding: .utf8)
        #expect(throws: MigrationError.self) { try MigrationFile.load(from: directory) }
    }

    @Test func databaseURLParsesAndRedactsThePassword() throws {
        let url = try PostgresURL("postgres://app:s3cr%40t@db.example:6543/users")
        #expect(url.host == "db.example")
        #expect(url.port == 6543)
        #expect(url.username == "app")
        #expect(url.password == "s3cr@t")
        #expect(url.database == "users")
        #expect(!url.description.contains("s3cr"))
        #expect(throws: ConfigurationError.self) { try PostgresURL("mysql://x@y/z") }
        #expect(throws: ConfigurationError.self) { try PostgresURL("postgres://x@y") }
    }
}
