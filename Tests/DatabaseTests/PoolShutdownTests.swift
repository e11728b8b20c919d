import AsyncPrimitives
import Database
import Foundation
import Logging
import PostgresNIO
import Testing
import TestSupport

@Suite("pool: a client built from our configuration always shuts down")
struct PoolShutdownTests {
    /// With PostgresNIO's keep-alive on, a ping that races its connection's idle close never
    /// completes and the pool's `run()` never returns (it hung on the first cycle with 300 ms
    /// timers); `PostgresURL.clientConfiguration` turns keep-alive off. Each cycle opens four
    /// connections, lets the idle time-out (shortened here) close some of them, then shuts down.
    @Test(.timeLimit(.minutes(2)))
    func runReturnsAfterIdleConnectionsCloseAndShutdown() async throws {
        let url = try await TestDatabase.create(prefix: "pool")
        for cycle in 0..<20 {
            var configuration = url.clientConfiguration(maximumConnections: 4)
            configuration.options.connectionIdleTimeout = .milliseconds(300)
            let client = PostgresClient(configuration: configuration, backgroundLogger: Logger(label: "pool-shutdown"))
            let returned = AsyncLatch()
            // Unstructured on purpose: a run() that never returns must fail this test, not hang it.
            let running = Task { await client.run(); returned.open() }
            try await withThrowingTaskGroup(of: Void.self) { queries in
                for _ in 0..<4 { queries.addTask { _ = try await client.query("SELECT pg_sleep(0.01)").collect() } }
                try await queries.waitForAll()
            }
            try await Task.sleep(for: .milliseconds(250 + 20 * cycle))
            running.cancel()
            try await eventually("cycle \(cycle): the pool's run() returned after shutdown", timeout: .seconds(5)) {
                returned.isOpen
            }
        }
    }
}
