import AsyncPrimitives
import Crypto
import Database
import Foundation
import HTTPSupport
import HTTPTypes
import Logging
import NIOCore
import PostgresNIO

/// The `Idempotency-Key` records: which request a key answered and what it
/// answered. A repeat with the same request replays that answer; the same key
/// with another request is 422. A key expires after `retention` and is then free
/// to use again. The write a key belongs to runs in ``UserWrites``.
///
/// An answer that carries a user's profile is kept only while that user exists: once its
/// delete is published, the relay replaces it with ``deletedUserAnswer``.
struct IdempotencyKeys: Sendable {
    let database: DatabaseClient
    let retention: Duration
    let logger: Logger

    static let maximumKeyLength = 255
    /// The constraint a claim violates when a concurrent request claimed the same key first.
    static let primaryKey = "idempotency_keys_pkey"

    /// What a key answers once the user its request wrote is deleted: 410, without the
    /// profile the first answer held. The relay writes it over that answer in the statement
    /// that marks the user's `UserDeleted` published (``MarkPublishedStatement``), with an
    /// empty fingerprint, since the digest of the first request came from the profile too:
    /// every request with the key then gets this answer.
    static let deletedUserAnswer = StoredResponse(
        status: 410, etag: nil, location: nil,
        body: String(buffer: HTTPProblem(
            .gone,
            "the request first sent with this Idempotency-Key was carried out, but the user it wrote has since been deleted, "
                + "and its answer (that user's profile) is no longer kept"
        ).encodedDetails())
    )

    /// A digest of everything that makes two requests "the same".
    static func fingerprint(method: String, path: String, ifMatch: String?, body: [UInt8]) -> String {
        var hasher = SHA256()
        hasher.update(data: Array("\(method) \(path)\n\(ifMatch ?? "")\n".utf8))
        hasher.update(data: body)
        let hex = Array("0123456789abcdef".utf8)
        return String(decoding: hasher.finalize().flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 0x0F)]] }, as: UTF8.self)
    }

    /// A key is 1 to ``maximumKeyLength`` printable ASCII characters.
    static func validate(_ key: String) throws(IdempotencyKeyError) {
        guard (1...maximumKeyLength).contains(key.utf8.count), key.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) else {
            throw IdempotencyKeyError(code: .malformed)
        }
    }

    /// What `key` answered, if it is claimed, unexpired and committed; an error if it answered another request.
    func storedResponse(key: String, fingerprint: String) async throws -> StoredResponse? {
        let rows = try await database.query(
            """
            SELECT fingerprint, status_code, etag, location, body FROM idempotency_keys
            WHERE key = \(key) AND created_at > now() - make_interval(secs => \(retention.inSeconds))
            """
        )
        for row in rows {
            let (storedFingerprint, status, etag, location, body) = try row.decode((String, Int, String?, String?, String).self)
            // An empty fingerprint: the answer was replaced after its user was deleted, and answers every request.
            guard storedFingerprint.isEmpty || storedFingerprint == fingerprint else {
                throw IdempotencyKeyError(code: .usedForAnotherRequest)
            }
            return StoredResponse(status: status, etag: etag, location: location, body: body)
        }
        return nil
    }

    /// Claims `key` for the write running in `connection`'s transaction; call it first there.
    /// A concurrent request with the same key then waits on the claim until this transaction
    /// ends, and fails with ``isClaimedConcurrently(_:)`` if it commits.
    func claim(_ key: String, fingerprint: String, on connection: PostgresConnection) async throws {
        // An expired key that the purger has not removed yet is free to use again.
        try await connection.query(
            "DELETE FROM idempotency_keys WHERE key = \(key) AND created_at <= now() - make_interval(secs => \(retention.inSeconds))",
            logger: logger
        )
        try await connection.query(
            "INSERT INTO idempotency_keys (key, fingerprint, status_code, body) VALUES (\(key), \(fingerprint), 0, '')",
            logger: logger
        )
    }

    /// Records `response` as what `key` answered, in the transaction that claimed it.
    func store(_ response: StoredResponse, for key: String, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            UPDATE idempotency_keys SET status_code = \(response.status), etag = \(response.etag),
                location = \(response.location), body = \(response.body), user_id = \(response.userID)
            WHERE key = \(key)
            """,
            logger: logger
        )
    }

    /// Whether `error` is a claim that lost to a concurrent request with the same key, which committed first.
    static func isClaimedConcurrently(_ error: any Error) -> Bool {
        PostgresErrorInspection.isUniqueViolation(error, constraint: primaryKey)
    }

    /// Deletes keys past their retention.
    func purgeExpired() async throws {
        try await database.query(
            "DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(secs => \(retention.inSeconds))"
        )
    }
}
