import AsyncPrimitives
import Database
import Foundation
import Kafka
import NIOCore
import PostgresNIO
import TestSupport
import Testing
@testable import Consumer

/// One test per row of the failure classes table (docs/architecture.md).
/// Database rows use real errors: PostgreSQL raises each SQLSTATE.
@Suite("failure classes", .timeLimit(.minutes(1)))
struct FailureClassTests {
    static let sqlStates: [(state: String, expected: FailureClass)] = [
        ("08006", .transient), // connection failure
        ("57P01", .transient), // admin shutdown (pg_terminate_backend)
        ("57P02", .transient), // crash shutdown
        ("57P03", .transient), // cannot connect now (starting up)
        ("57014", .transient), // statement cancelled / timed out
        ("53100", .transient), // disk full
        ("53300", .transient), // too many connections
        ("58030", .transient), // I/O error
        ("40001", .transient), // serialization failure
        ("40P01", .transient), // deadlock
        ("55P03", .transient), // lock not available
        ("28P01", .transient), // wrong password: our setup
        ("3D000", .transient), // no such database: our setup
        ("42P01", .transient), // no such table: a missing migration
        ("22021", .permanent), // invalid byte sequence (NUL in text)
        ("22001", .permanent), // value too long
        ("22P02", .permanent), // invalid text representation
        ("23505", .permanent), // unique violation
        ("23514", .permanent), // check violation
        ("P0001", .other), // raised by a trigger or function
        ("XX000", .other), // internal error
    ]

    @Test(arguments: sqlStates)
    func aDatabaseErrorIsClassifiedByItsSQLState(_ row: (state: String, expected: FailureClass)) async throws {
        try await withTestDatabase(prefix: "failures") { database in
            let client = DatabaseClient(pool: database.client, logger: database.logger)
            do {
                _ = try await client.withTransaction { connection in
                    try await connection.query(
                        PostgresQuery(unsafeSQL: "DO $$ BEGIN RAISE EXCEPTION 'raised by the test' USING ERRCODE = '\(row.state)'; END $$"),
                        logger: database.logger
                    )
                }
                Issue.record("no error raised")
            } catch {
                #expect(FailureClass.classify(error) == row.expected, "\(row.state): \(FailureClass.explain(error))")
                // PostgresNIO closes the connection after an authentication-class error (28…): then the call ends as a lost connection.
                if !(error is DatabaseConnectionLost) {
                    #expect(FailureClass.explain(error) == "the database refused the event: raised by the test (SQLSTATE \(row.state))")
                }
            }
        }
    }

    @Test
    func aDecodingFailureIsPermanent() {
        #expect(FailureClass.classify(PermanentEventError("not a JSON object")) == .permanent)
        #expect(FailureClass.explain(PermanentEventError("not a JSON object")) == "not a JSON object")
    }

    @Test
    func aLostConnectionOrATimeLimitIsTransient() async {
        #expect(FailureClass.classify(DatabaseConnectionLost()) == .transient)
        let exceeded = await Result { try await TimeLimit.run(.milliseconds(10)) { try await Task.sleep(for: .seconds(5)) } }
        guard case .failure(let error) = exceeded else { Issue.record("no time-out"); return }
        #expect(error is TimeLimit.Exceeded)
        #expect(FailureClass.classify(error) == .transient)
    }

    @Test
    func aKafkaErrorIsTransientOnlyWhenLibrdkafkaSaysItIsRetriable() {
        let retriable = KafkaError(code: .messageTimedOut, message: "timed out", isRetriable: true)
        let notRetriable = KafkaError(code: .messageSizeTooLarge, message: "too large", isRetriable: false)
        let fatal = KafkaError(code: .fatal, message: "fatal", isRetriable: false, isFatal: true)
        #expect(FailureClass.classify(retriable) == .transient)
        #expect(FailureClass.classify(notRetriable) == .other)
        #expect(FailureClass.classify(fatal) == .other)
    }

    @Test
    func aSocketErrorBelowPostgresNIOIsTransient() {
        #expect(FailureClass.classify(ChannelError.ioOnClosedChannel) == .transient)
        #expect(FailureClass.classify(IOError(errnoCode: ECONNREFUSED, reason: "connect")) == .transient)
    }

    @Test
    func anythingElseIsOtherAndExplainedInOneShortLine() {
        struct Unexpected: Error, CustomStringConvertible {
            var description: String { "line one\nline two " + String(repeating: "x", count: 500) }
        }
        #expect(FailureClass.classify(Unexpected()) == .other)
        let explained = FailureClass.explain(Unexpected())
        #expect(!explained.contains("\n"))
        #expect(explained.count <= 301)
    }
}

extension Result where Failure == any Error {
    init(_ body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
