import Database
import PostgresNIO

/// Runs a user write — one state change and its outbox row, both made by one
/// statement of `write` on the connection it is given (``UserStore``) — with or
/// without an `Idempotency-Key`.
///
/// Without a key the statement commits on its own: no transaction around it, one round
/// trip. With a key, an answer already stored for it is replayed and nothing runs.
/// Otherwise the key is claimed first inside the write's transaction and the
/// answer stored before the commit, so the change, its event and the key commit
/// or roll back together. A concurrent request with the same key waits on the
/// claim, then replays what the first one answered. The key's records are
/// ``IdempotencyKeys``'s business; the transaction is this type's.
struct UserWrites: Sendable {
    let database: DatabaseClient
    let idempotencyKeys: IdempotencyKeys

    /// Runs `write` — one statement, which commits on its own — on a pooled connection.
    func run(_ write: @escaping @Sendable (PostgresConnection) async throws -> UserWriteResult) async throws -> UserWriteResult {
        try await database.withConnection(write)
    }

    /// Runs `write` in a transaction with the claim and the stored answer of `key`, unless
    /// `key` already answered this request (`fingerprint`, see
    /// ``IdempotencyKeys/fingerprint(method:path:ifMatch:body:)``): then the stored answer
    /// comes back as an ``UserWriteOutcome/idempotentReplay``.
    func run(
        idempotencyKey key: String, fingerprint: String,
        _ write: @escaping @Sendable (PostgresConnection) async throws -> UserWriteResult
    ) async throws -> UserWriteResult {
        let keys = idempotencyKeys
        if let stored = try await keys.storedResponse(key: key, fingerprint: fingerprint) {
            return UserWriteResult(response: stored, outcome: .idempotentReplay)
        }
        do {
            return try await database.withTransaction { connection in
                try await keys.claim(key, fingerprint: fingerprint, on: connection)
                let result = try await write(connection)
                try await keys.store(result.response, for: key, on: connection)
                return result
            }
        } catch where IdempotencyKeys.isClaimedConcurrently(error) {
            // A concurrent request with the same key committed first: ours rolled back; answer as it did.
            if let stored = try await keys.storedResponse(key: key, fingerprint: fingerprint) {
                return UserWriteResult(response: stored, outcome: .idempotentReplay)
            }
            throw error
        }
    }
}
