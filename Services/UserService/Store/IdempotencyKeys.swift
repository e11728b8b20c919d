import Crypto
import Database
import Foundation
import HTTPSupport
import HTTPTypes
import Logging
import PostgresNIO

/// `Idempotency-Key` handling: the first successful response to a key is
/// stored in the same transaction as its write; a repeat with the same request
/// replays it and writes nothing; the same key with another request is 422.
struct IdempotencyKeys: Sendable {
    let database: DatabaseClient
    let retention: Duration
    let logger: Logger

    static let maximumKeyLength = 255

    /// What the caller gets: the response and whether it is a replay.
    struct Outcome: Sendable {
        var response: StoredResponse
        var replayed: Bool
    }

    /// A digest of everything that makes two requests "the same".
    static func fingerprint(method: String, path: String, ifMatch: String?, body: [UInt8]) -> String {
        var hasher = SHA256()
        hasher.update(data: Array("\(method) \(path)\n\(ifMatch ?? "")\n".utf8))
        hasher.update(data: body)
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    static func validate(_ key: String) throws(HTTPProblem) {
        guard (1...maximumKeyLength).contains(key.utf8.count), key.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) else {
            throw HTTPProblem(.badRequest, "Idempotency-Key must be 1 to \(maximumKeyLength) printable ASCII characters")
        }
    }

    /// Runs `write` in a transaction, unless `key` already answered; without a key, just runs it.
    func perform(
        key: String?, fingerprint: String,
        write: @escaping @Sendable (PostgresConnection) async throws -> StoredResponse
    ) async throws -> Outcome {
        guard let key else {
            return Outcome(response: try await transaction(write), replayed: false)
        }
        if let replay = try await stored(key: key, fingerprint: fingerprint) { return replay }
        do {
            let retention = self.retention
            let logger = self.logger
            let response = try await transaction { connection in
                // An expired key that the purger has not removed yet is free to use again.
                try await connection.query(
                    "DELETE FROM idempotency_keys WHERE key = \(key) AND created_at <= now() - make_interval(secs => \(Self.seconds(retention)))",
                    logger: logger
                )
                // Claim the key first: a concurrent request with the same key waits here for this
                // transaction, then fails on the primary key and replays what this one answered.
                try await connection.query(
                    "INSERT INTO idempotency_keys (key, fingerprint, status_code, body) VALUES (\(key), \(fingerprint), 0, '')",
                    logger: logger
                )
                let response = try await write(connection)
                try await connection.query(
                    """
                    UPDATE idempotency_keys SET status_code = \(response.status), etag = \(response.etag),
                        location = \(response.location), body = \(response.body)
                    WHERE key = \(key)
                    """,
                    logger: logger
                )
                return response
            }
            return Outcome(response: response, replayed: false)
        } catch where PostgresErrorInspection.isUniqueViolation(error, constraint: "idempotency_keys_pkey") {
            // A concurrent request with the same key committed first: ours rolled back; answer as it did.
            if let replay = try await stored(key: key, fingerprint: fingerprint) { return replay }
            throw error
        }
    }

    private func stored(key: String, fingerprint: String) async throws -> Outcome? {
        let rows = try await database.query(
            """
            SELECT fingerprint, status_code, etag, location, body FROM idempotency_keys
            WHERE key = \(key) AND created_at > now() - make_interval(secs => \(Self.seconds(retention)))
            """
        )
        for row in rows {
            let (storedFingerprint, status, etag, location, body) = try row.decode((String, Int, String?, String?, String).self)
            guard storedFingerprint == fingerprint else {
                throw HTTPProblem(
                    .unprocessableContent,
                    "this Idempotency-Key was already used with a different request; use a new key for a new request"
                )
            }
            return Outcome(response: StoredResponse(status: status, etag: etag, location: location, body: body), replayed: true)
        }
        return nil
    }

    /// Runs `body` in a transaction and rethrows the closure's own error (not PostgresNIO's wrapper),
    /// so HTTP problems raised inside keep their meaning.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await database.withTransaction(body)
        } catch let error as PostgresTransactionError {
            if let problem = error.closureError as? HTTPProblem { throw problem }
            throw error
        }
    }

    /// Deletes keys past their retention.
    func purgeExpired() async throws {
        try await database.query(
            "DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(secs => \(Self.seconds(retention)))"
        )
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
