import AsyncPrimitives
import Logging
import ServiceLifecycle

/// Deletes idempotency keys past their 24 h retention, every `interval` (a ``PeriodicService``).
struct IdempotencyKeyPurger: Service {
    let keys: IdempotencyKeys
    let interval: Duration
    let logger: Logger

    func run() async throws {
        try await PeriodicService(every: interval, onFailure: { error, _ in
            logger.debug("idempotency key purge failed; will retry", metadata: ["error": "\(String(reflecting: error))"])
        }) {
            try await keys.purgeExpired()
        }.run()
    }
}
