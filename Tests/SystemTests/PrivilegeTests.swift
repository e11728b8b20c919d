@testable import AnalyticsService
import ConsumerService
import Hummingbird
import HummingbirdTesting
import Observability
import Database
import Foundation
import Logging
import NIOHTTP1
import PostgresNIO
@testable import SearchService
import ServiceBootstrap
import Testing
import TestSupport
@testable import UserService

/// Least privilege, tested on the roles `ops/postgres/create-roles.sh` makes (the script
/// both stacks run): the runtime role reads and writes its own tables and can do nothing
/// else; the whole system runs on runtime roles alone; a service whose schema is behind
/// refuses to start and names `migrate`.
@Suite("privileges: owner and runtime roles, no superuser, schema checked at start", .timeLimit(.minutes(3)))
struct PrivilegeTests {
    /// SQLSTATE 42501 (insufficient_privilege), or what the statement answered instead.
    static func refused(_ database: TestDatabase, _ sql: String) async -> String {
        do {
            try await database.client.query(PostgresQuery(unsafeSQL: sql), logger: database.logger)
            return "accepted"
        } catch {
            return PostgresErrorInspection.sqlState(of: error) ?? "\(error)"
        }
    }

    @Test
    func theRuntimeRoleReadsAndWritesItsTablesAndCannotChangeTheSchema() async throws {
        let roles = try #require(try TestRoles.create(["users"]).first)
        try await withTestDatabase(url: roles.runtime) { runtime in
            // Before the owner migrates, the runtime role cannot create the schema itself.
            await #expect(throws: (any Error).self, "the runtime role applied the migrations") {
                try await runtime.migrate(UserServiceConfiguration.schema(migrationsPath: nil))
            }
            try await withTestDatabase(url: roles.owner) { owner in
                try await owner.migrate(UserServiceConfiguration.schema(migrationsPath: nil))
            }
            let id = UUID()
            try await runtime.client.query(
                "INSERT INTO users (id, name, email, bio, version, created_at, updated_at) VALUES (\(id), 'Ada', 'ada@example.com', '', 1, now(), now())", logger: runtime.logger
            )
            let names = try await runtime.client.query("SELECT name FROM users WHERE id = \(id)", logger: runtime.logger).collect().count
            #expect(names == 1)
            for statement in [
                "CREATE TABLE intruder (id int)", "ALTER TABLE users ADD COLUMN intruder text", "DROP TABLE outbox",
                "TRUNCATE users", "CREATE INDEX intruder ON users (name)", "CREATE SCHEMA intruder",
                "CREATE TEMPORARY TABLE intruder (id int)", "CREATE FUNCTION intruder() RETURNS int LANGUAGE sql AS 'SELECT 1'",
                "ALTER ROLE CURRENT_USER SUPERUSER", "CREATE ROLE intruder", "COPY users TO PROGRAM 'id'",
            ] {
                let answer = await Self.refused(runtime, statement)
                #expect(answer == "42501", "the runtime role was not refused \(statement): \(answer)")
            }
            var attributes: [String] = []
            for try await (superuser, createDB, createRole, bypassRLS) in try await runtime.client.query(
                "SELECT rolsuper, rolcreatedb, rolcreaterole, rolbypassrls FROM pg_roles WHERE rolname = current_user", logger: runtime.logger
            ).decode((Bool, Bool, Bool, Bool).self) {
                attributes.append("\(superuser) \(createDB) \(createRole) \(bypassRLS)")
            }
            #expect(attributes == ["false false false false"], "superuser, createdb, createrole, bypassrls")
        }
    }

    @Test
    func aRuntimeRoleCannotConnectToAnotherServicesDatabase() async throws {
        let roles = try TestRoles.create(["users", "search"])
        let (users, search) = (roles[0], roles[1])
        for database in [search.name, "postgres"] {
            var answer = "connected"
            do {
                let connection = try await PostgresConnection.connect(
                    configuration: users.runtime.with(database: database).connectionConfiguration, id: 1, logger: Logger(label: "privilege-test")
                )
                try await connection.close()
            } catch {
                answer = PostgresErrorInspection.sqlState(of: error) ?? "\(error)"
            }
            #expect(answer == "42501", "\(users.runtime.username) reached database \(database): \(answer)")
        }
        // Its own database it reaches.
        try await withTestDatabase(url: users.runtime) { own in
            let rows = try await own.client.query("SELECT 1", logger: own.logger).collect()
            #expect(rows.count == 1)
        }
    }

    @Test
    func theSystemRunsOnRuntimeRolesAloneAndNoSessionIsASuperuser() async throws {
        let roles = try TestRoles.create(["users", "search", "analytics"])
        let schemas = [
            UserServiceConfiguration.schema(migrationsPath: nil), SearchService.schema(migrationsPath: nil), AnalyticsService.schema(migrationsPath: nil),
        ]
        for (role, schema) in zip(roles, schemas) {
            try await withTestDatabase(url: role.owner) { owner in try await owner.migrate(schema) }
        }
        try await withTestDatabase(url: roles[0].runtime) { users in
            try await withTestDatabase(url: roles[1].runtime) { search in
                try await withTestDatabase(url: roles[2].runtime) { analytics in
                    try await RunningSystem.run(try SystemWorld(), users: users, search: search, analytics: analytics) { system in
                        let created = try await system.userAPI.send(.POST, "/users", body: #"{"name":"Least","email":"least@example.com"}"#)
                        let id = try #require(try created.json()["id"] as? String, "\(created.status) \(created.text)")
                        let replaced = try await system.userAPI.write(.PUT, "/users/\(id)", body: #"{"name":"Least Privilege","email":"least@example.com"}"#)
                        #expect(replaced.status == 200, "\(replaced.text)")
                        try await eventually("the update in search and analytics") {
                            let indexed = try await system.searchAPI.send(.GET, "/search/users/\(id)?minVersion=2&waitMs=1000").status == 200
                            let counted = try await system.analyticsAPI.send(.GET, "/analytics/users/\(id)").status == 200
                            return indexed && counted
                        }
                        #expect(try await system.userAPI.write(.DELETE, "/users/\(id)").status == 204)
                        try await eventually("the delete in search") {
                            try await system.searchAPI.send(.GET, "/search/users/\(id)").status == 404
                        }
                        // Every session the services hold on their databases: each its database's runtime role, none a superuser.
                        var sessions: [String] = []
                        try await TestDatabase.withAdminConnection(try TestDatabase.serverURL()) { connection, logger in
                            let names = roles.map(\.name)
                            for try await (database, user, superuser) in try await connection.query(
                                """
                                SELECT a.datname, a.usename, r.rolsuper FROM pg_stat_activity a JOIN pg_roles r ON r.rolname = a.usename
                                WHERE a.datname = ANY(\(names)) AND a.backend_type = 'client backend'
                                """, logger: logger
                            ).decode((String, String, Bool).self) {
                                sessions.append("\(database) \(user) superuser=\(superuser)")
                            }
                        }
                        #expect(sessions.count >= 3, "\(sessions)")
                        for session in sessions {
                            let parts = session.split(separator: " ")
                            #expect(parts[1] == "\(parts[0])_runtime" && parts[2] == "superuser=false", "\(session)")
                        }
                    }
                }
            }
        }
    }

    @Test
    func aServiceWhoseSchemaIsBehindRefusesToStartAndNamesMigrate() async throws {
        let world = try SystemWorld()
        try await withTestDatabase(prefix: "users") { users in
            let app = try await buildApplication(
                configuration: world.userService(users), role: .apiAndRelay, telemetry: Telemetry(), logger: testLogger("user-service")
            )
            await #expect { try await app.runService() } throws: { "\($0)".contains("run `user-service migrate`") }
        }
        try await withTestDatabase(prefix: "search") { search in
            let app = try await ConsumerApplication.build(
                SearchService.self, configuration: world.consumer(SearchService.group, search), telemetry: Telemetry(), logger: testLogger("search")
            )
            await #expect { try await app.runService() } throws: { "\($0)".contains("run `search-service migrate`") }
            // Migrated (as `migrate` does), it starts.
            try await search.migrate(SearchService.schema(migrationsPath: nil))
            let ready = try await ConsumerApplication.build(
                SearchService.self, configuration: world.consumer(SearchService.group, search), telemetry: Telemetry(), logger: testLogger("search")
            )
            try await ready.test(.live) { client in
                let ready = try await HTTPTestClient(port: client.port!).send(.GET, "/ready")
                #expect(ready.status == 200)
            }
        }
    }
}
