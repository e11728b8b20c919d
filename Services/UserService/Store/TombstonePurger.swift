import AsyncPrimitives
import Logging
import ServiceLifecycle

/// Deletes the tombstones of users deleted longer than `TOMBSTONE_RETENTION` ago, every
/// `interval` (a ``PeriodicService``). A tombstone keeps a late, older event from bringing a
/// deleted user back in user-service's own checks and lets anti-entropy and snapshots send
/// the deletion again; past the retention every projection has long applied it.
struct TombstonePurger: Service {
    let store: UserStore
    let retention: Duration
    let interval: Duration
    let logger: Logger

    func run() async throws {
        try await PeriodicService(every: interval, onFailure: { error, _ in
            logger.debug("tombstone purge failed; will retry", metadata: ["error": "\(String(reflecting: error))"])
        }) {
            let purged = try await store.purgeTombstones(olderThan: retention)
            if purged > 0 { logger.debug("tombstones purged", metadata: ["tombstones": "\(purged)"]) }
        }.run()
    }
}
