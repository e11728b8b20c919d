import AsyncPrimitives
import Database
import Foundation
import Logging
import PostgresNIO
import TestSupport
import Testing

/// A database call on a connection the server has dropped must fail promptly,
/// never wait: PostgresNIO on its own drops a query written to a closed
/// channel and leaves its caller waiting forever.
@Suite("Database calls end when their connection is lost", .timeLimit(.minutes(2)))
struct ConnectionLossTests {
    @Test
    func aQueryOnAConnectionWhoseBackendWasTerminatedFailsAtOnce() async throws {
        try await withTestDatabase(prefix: "loss") { database in
            let connection = try await PostgresConnection.connect(
                configuration: database.url.connectionConfiguration, id: 7, logger: database.logger
            )
            let pid = try await Self.backendPID(of: connection, logger: database.logger)
            try await Self.terminate(pid, database: database)
            try await eventually("the client saw the connection close") { connection.isClosed }

            // A limit far above what a prompt failure needs: only a hang would reach it.
            let outcome = await Result(catching: {
                try await connection.guarded(limit: .seconds(60)) { connection in
                    try await connection.query("SELECT 1", logger: database.logger).collect().count
                }
            })
            guard case .failure(let error) = outcome else {
                Issue.record("a query on a closed connection succeeded")
                return
            }
            #expect(error is DatabaseConnectionLost, "expected DatabaseConnectionLost, got \(String(reflecting: error))")
        }
    }

    /// A callback on the close future per call stayed until the connection closed: on a pooled
    /// connection, one more per query, forever (user-service reached ~1 GB after ~60,000 writes).
    @Test
    func guardedCallsLeaveNothingBehindOnALongLivedConnectionAndAllHearOfItsClose() async throws {
        try await withTestDatabase(prefix: "loss") { database in
            let connection = try await PostgresConnection.connect(
                configuration: database.url.connectionConfiguration, id: 8, logger: database.logger
            )
            let watch = ConnectionCloseWatch.of(connection)
            for _ in 0..<500 {
                _ = try await connection.guarded(limit: .seconds(10)) { connection in
                    try await connection.query("SELECT 1", logger: database.logger).collect().count
                }
            }
            #expect(watch.waiting == 0, "no call left a waiter behind")
            #expect(ConnectionCloseWatch.of(connection) === watch, "one watch per connection")

            // Two calls running when the backend is terminated both end (the server's FATAL error
            // reaches a running query first; a query sent later meets the closed connection).
            let pid = try await Self.backendPID(of: connection, logger: database.logger)
            async let first = Result(catching: {
                try await connection.guarded(limit: .seconds(60)) { connection in
                    try await connection.query("SELECT pg_sleep(30)", logger: database.logger).collect().count
                }
            })
            async let second = Result(catching: {
                try await connection.guarded(limit: .seconds(60)) { connection in
                    try await connection.query("SELECT pg_sleep(30)", logger: database.logger).collect().count
                }
            })
            try await eventually("both calls are waiting") { watch.waiting == 2 }
            try await Self.terminate(pid, database: database)
            for outcome in await [first, second] {
                guard case .failure(let error) = outcome else {
                    Issue.record("a call on a terminated connection succeeded")
                    continue
                }
                #expect(error is DatabaseConnectionLost || error is PSQLError, "got \(String(reflecting: error))")
            }
            #expect(watch.waiting == 0)
            try await eventually("the client saw the connection close") { connection.isClosed }
            let late = await Result(catching: {
                try await connection.guarded(limit: .seconds(60)) { try await $0.query("SELECT 1", logger: database.logger).collect().count }
            })
            guard case .failure(let error) = late else {
                Issue.record("a query on a closed connection succeeded")
                return
            }
            #expect(error is DatabaseConnectionLost, "a call after the close: got \(String(reflecting: error))")
        }
    }

    @Test
    func aPooledCallAfterItsBackendWasTerminatedFailsOrRetriesOnANewConnection() async throws {
        try await withTestDatabase(prefix: "loss") { database in
            var options = database.url.clientConfiguration(maximumConnections: 1)
            options.options.minimumConnections = 1
            let pool = PostgresClient(configuration: options, backgroundLogger: database.logger)
            try await withRunningService(pool) {
                let client = DatabaseClient(pool: pool, callLimit: .seconds(60), logger: database.logger)
                let pid = try await client.query("SELECT pg_backend_pid()")[0].decode(Int32.self)
                try await Self.terminate(pid, database: database)

                // Each call ends with an answer (never the 60 s limit); within a few calls the pool has a new connection.
                var errors: [String] = []
                try await eventually("a call succeeds on a new connection", timeout: .seconds(20), interval: .milliseconds(100)) {
                    do {
                        let next = try await client.query("SELECT pg_backend_pid()")[0].decode(Int32.self)
                        return next != pid
                    } catch is TimeLimit.Exceeded {
                        Issue.record("a call waited out its limit instead of failing")
                        return true
                    } catch {
                        errors.append(String(describing: error))
                        return false
                    }
                }
                #expect(errors.count <= 3, "calls failed: \(errors)")
            }
        }
    }

    @Test
    func aTimeLimitClosesTheConnectionItAbandons() async throws {
        try await withTestDatabase(prefix: "loss") { database in
            let connection = try await PostgresConnection.connect(
                configuration: database.url.connectionConfiguration, id: 8, logger: database.logger
            )
            let outcome = await Result(catching: {
                try await connection.guarded(limit: .milliseconds(300)) { connection in
                    try await connection.query("SELECT pg_sleep(30)", logger: database.logger).collect().count
                }
            })
            guard case .failure(let error) = outcome else {
                Issue.record("pg_sleep(30) finished within 300 ms")
                return
            }
            #expect(error is TimeLimit.Exceeded, "expected TimeLimit.Exceeded, got \(String(reflecting: error))")
            #expect(connection.isClosed, "the abandoned connection is closed, so nobody can reuse it mid-query")
        }
    }

    static func backendPID(of connection: PostgresConnection, logger: Logger) async throws -> Int32 {
        try await connection.query("SELECT pg_backend_pid()", logger: logger).collect()[0].decode(Int32.self)
    }

    static func terminate(_ pid: Int32, database: TestDatabase) async throws {
        let rows = try await database.client.query("SELECT pg_terminate_backend(\(pid))").collect()
        #expect(try rows[0].decode(Bool.self), "backend \(pid) was terminated")
    }
}

extension Result where Failure == any Error {
    /// The outcome of an async throwing call, as a value.
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
