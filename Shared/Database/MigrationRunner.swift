import Logging
import PostgresNIO

/// Applies numbered SQL files in order, each in its own transaction, recording
/// them with their checksum in a history table (`schema_migrations` for a
/// service's own files; a component that brings its own tables, like the
/// consumer runtime, keeps a history of its own beside it).
///
/// Runs under a PostgreSQL advisory lock, so replicas starting together apply
/// each file once; re-running is a no-op; an applied file that changed since is
/// refused loudly rather than silently diverging.
public struct MigrationRunner: Sendable {
    /// The advisory lock key shared by every runner on a database.
    public static let advisoryLockKey: Int64 = 0x6D69_6772_6174_65

    public let client: PostgresClient
    public let files: [MigrationFile]
    /// The table that records what was applied.
    public let historyTable: String
    public let logger: Logger

    /// A runner for the migrations of one service: `Migrations/<name>`, found as
    /// ``MigrationFile/directory(for:migrationsPath:)`` says.
    public init(
        service name: String, migrationsPath: String?, client: PostgresClient, historyTable: String = "schema_migrations", logger: Logger
    ) throws {
        let directory = try MigrationFile.directory(for: name, migrationsPath: migrationsPath)
        self.init(client: client, files: try MigrationFile.load(from: directory), historyTable: historyTable, logger: logger)
    }

    /// `historyTable` is an identifier written into SQL: pass a constant, never input.
    public init(client: PostgresClient, files: [MigrationFile], historyTable: String = "schema_migrations", logger: Logger) {
        precondition(historyTable.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }, "history table must be a plain identifier")
        self.client = client
        self.files = files
        self.historyTable = historyTable
        self.logger = logger
    }

    /// Applies what is missing; returns the versions applied by this call.
    @discardableResult
    public func migrate(limit: Duration = .seconds(600)) async throws -> [Int] {
        try await client.withConnection { connection in
            try await connection.guarded(limit: limit) { connection in try await self.migrate(on: connection) }
        }
    }

    /// The files not applied yet, read without changing anything (a runtime role that may
    /// not create tables can ask): all of them when the history table does not exist. An
    /// applied file that changed since is a ``MigrationError/Code/checksumMismatch``.
    public func pending(limit: Duration = .seconds(30)) async throws -> [MigrationFile] {
        try await client.withConnection { connection in
            try await connection.guarded(limit: limit) { connection in
                let exists = try await connection.query(
                    "SELECT to_regclass(\(historyTable)) IS NOT NULL", logger: logger
                ).decode(Bool.self).first { _ in true } ?? false
                guard exists else { return files }
                let recorded = try await self.recorded(on: connection)
                try self.checkUnchanged(recorded)
                return files.filter { recorded[$0.version] == nil }
            }
        }
    }

    private func recorded(on connection: PostgresConnection) async throws -> [Int: String] {
        var recorded: [Int: String] = [:]
        for try await (version, checksum) in try await connection.query(
            "SELECT version, checksum FROM \(unescaped: historyTable)", logger: logger
        ).decode((Int, String).self) {
            recorded[version] = checksum
        }
        return recorded
    }

    private func checkUnchanged(_ recorded: [Int: String]) throws {
        for file in files {
            if let checksum = recorded[file.version], checksum != file.checksum {
                throw MigrationError(
                    .checksumMismatch,
                    "migration \(file.version)_\(file.name) was applied with checksum \(checksum) but the file now has \(file.checksum); add a new migration instead of editing an applied one"
                )
            }
        }
    }

    private func migrate(on connection: PostgresConnection) async throws -> [Int] {
        try await connection.query("SELECT pg_advisory_lock(\(Self.advisoryLockKey))", logger: logger)
        do {
            let applied = try await applyPending(on: connection)
            try await connection.query("SELECT pg_advisory_unlock(\(Self.advisoryLockKey))", logger: logger)
            return applied
        } catch {
            _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.advisoryLockKey))", logger: logger)
            throw error
        }
    }

    private func applyPending(on connection: PostgresConnection) async throws -> [Int] {
        do {
            try await createHistoryTable(on: connection)
        } catch {
            let reason = PostgresErrorInspection.psqlError(in: error)?.serverInfo?[.message] ?? String(reflecting: error)
            throw MigrationError(
                .failed, "cannot create the migration history table \(historyTable): \(reason) (migrations run as the database's owner role)"
            )
        }
        let recorded = try await recorded(on: connection)
        try checkUnchanged(recorded)
        var appliedNow: [Int] = []
        for file in files where recorded[file.version] == nil {
            logger.info("applying migration", metadata: ["version": "\(file.version)", "name": "\(file.name)"])
            try await connection.query("BEGIN", logger: logger)
            do {
                for statement in SQLStatementSplitter.split(file.sql) {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO \(unescaped: historyTable) (version, name, checksum) VALUES (\(file.version), \(file.name), \(file.checksum))",
                    logger: logger
                )
                try await connection.query("COMMIT", logger: logger)
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw MigrationError(.failed, "migration \(file.version)_\(file.name) failed: \(String(reflecting: error))")
            }
            appliedNow.append(file.version)
        }
        return appliedNow
    }

    private func createHistoryTable(on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS \(unescaped: historyTable) (
                version integer PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """,
            logger: logger
        )
    }
}
