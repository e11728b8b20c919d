import ServiceLifecycle

/// Runs a service in the background for the duration of `body`, then cancels
/// it and waits for it to finish (structured: nothing outlives the call).
public func withRunningService<S: Service, T: Sendable>(
    _ service: S,
    _ body: () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await service.run() }
        do {
            let result = try await body()
            group.cancelAll()
            try await group.waitForAll()
            return result
        } catch {
            group.cancelAll()
            try? await group.waitForAll()
            throw error
        }
    }
}
