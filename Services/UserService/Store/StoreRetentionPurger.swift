import AsyncPrimitives
import Logging
import ServiceLifecycle

/// What user-service's store keeps only for a while, purged every `interval` (a
/// ``PeriodicService``): `Idempotency-Key` answers past their 24 h retention, and the
/// tombstones of users deleted longer than `TOMBSTONE_RETENTION` ago. A tombstone keeps a
/// late, older event from bringing a deleted user back in user-service's own checks and lets
/// anti-entropy and snapshots send the deletion again; past the retention every projection
/// has long applied it. The relay purges only its own table, the outbox.
struct StoreRetentionPurger: Service {
    let keys: IdempotencyKeys
    let store: UserStore
    let tombstoneRetention: Duration
    let interval: Duration
    let logger: Logger

    func run() async throws {
        try await PeriodicService(every: interval, onFailure: { error, _ in
            logger.debug("store retention purge failed; will retry", metadata: ["error": "\(String(reflecting: error))"])
        }) {
            try await keys.purgeExpired()
            let purged = try await store.purgeTombstones(olderThan: tombstoneRetention)
            if purged > 0 { logger.debug("tombstones purged", metadata: ["tombstones": "\(purged)"]) }
        }.run()
    }
}
