import Database
import HTTPSupport
import PostgresNIO

/// Runs a user write — one state change and its outbox row, both made by
/// `write` on the connection it is given — in one transaction, with or without
/// an `Idempotency-Key`.
///
/// With a key, an answer already stored for it is replayed and nothing runs.
/// Otherwise the key is claimed first inside the write's transaction and the
/// answer stored before the commit, so the change, its event and the key commit
/// or roll back together. A concurrent request with the same key waits on the
/// claim, then replays what the first one answered. The key's records are
/// ``IdempotencyKeys``'s business; the transaction is this type's.
struct UserWrites: Sendable {
    let database: DatabaseClient
    let idempotencyKeys: IdempotencyKeys

    /// What the caller gets: the response and whether it is a replay.
    struct Outcome: Sendable {
        var response: StoredResponse
        var replayed: Bool
    }

    /// Runs `write` in a transaction, unless `key` already answered this request
    /// (`fingerprint`, see ``IdempotencyKeys/fingerprint(method:path:ifMatch:body:)``).
    func run(
        idempotencyKey key: String?, fingerprint: String,
        _ write: @escaping @Sendable (PostgresConnection) async throws -> StoredResponse
    ) async throws -> Outcome {
        guard let key else {
            return Outcome(response: try await transaction(write), replayed: false)
        }
        let keys = idempotencyKeys
        if let stored = try await keys.storedResponse(key: key, fingerprint: fingerprint) {
            return Outcome(response: stored, replayed: true)
        }
        do {
            let response = try await transaction { connection in
                try await keys.claim(key, fingerprint: fingerprint, on: connection)
                let response = try await write(connection)
                try await keys.store(response, for: key, on: connection)
                return response
            }
            return Outcome(response: response, replayed: false)
        } catch where IdempotencyKeys.isClaimedConcurrently(error) {
            // A concurrent request with the same key committed first: ours rolled back; answer as it did.
            if let stored = try await keys.storedResponse(key: key, fingerprint: fingerprint) {
                return Outcome(response: stored, replayed: true)
            }
            throw error
        }
    }

    /// Runs `body` in a transaction and rethrows the closure's own HTTP problem (not
    /// PostgresNIO's wrapper of it), so problems raised inside keep their meaning.
    private func transaction(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> StoredResponse
    ) async throws -> StoredResponse {
        do {
            return try await database.withTransaction(body)
        } catch let error as PostgresTransactionError {
            if let problem = error.closureError as? HTTPProblem { throw problem }
            throw error
        }
    }
}
