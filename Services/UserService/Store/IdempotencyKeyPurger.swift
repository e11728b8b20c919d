import AsyncPrimitives
import Logging
import ServiceLifecycle

/// Deletes idempotency keys past their 24 h retention, once a minute.
struct IdempotencyKeyPurger: Service {
    let keys: IdempotencyKeys
    let interval: Duration
    let logger: Logger
    /// Opened once the schema is migrated: the first purge waits for the table.
    var schemaReady: AsyncLatch?

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                try await schemaReady?.wait()
                while true {
                    do {
                        try await keys.purgeExpired()
                    } catch {
                        logger.debug("idempotency key purge failed; will retry", metadata: ["error": "\(String(reflecting: error))"])
                    }
                    try await Task.sleep(for: interval)
                }
            }
        } catch is CancellationError {}
    }
}
