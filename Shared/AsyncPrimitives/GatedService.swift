import ServiceLifecycle

/// A service that starts once its gate opens: the one shape of start-up gating. The
/// services that need the schema are wrapped with the latch the start-up check opens
/// (`SchemaMigrations.requireCurrentBeforeServing`) instead of each waiting on it itself.
///
/// A gate that fails (the schema is behind) fails this service with its error, which
/// ends the service group. Graceful shutdown before the gate opens ends this service
/// without starting the wrapped one.
public struct GatedService: Service {
    let gate: AsyncLatch
    let service: any Service

    /// `service`, run once `gate` opens.
    public init(_ service: any Service, after gate: AsyncLatch) {
        self.service = service
        self.gate = gate
    }

    /// Waits for the gate, then runs the wrapped service (see the type's comment for a failed gate and an early shutdown).
    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await self.gate.wait() }
        } catch is CancellationError {
            return // shut down before the gate opened
        }
        try await service.run()
    }
}
