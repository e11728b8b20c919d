import ServiceLifecycle
import Synchronization

/// A service for the shape tests: counts its runs and runs `body`.
final class ServiceProbe: Service, Sendable {
    private let started = Mutex(0)
    private let body: @Sendable () async throws -> Void

    init(_ body: @escaping @Sendable () async throws -> Void = {}) {
        self.body = body
    }

    var runs: Int { started.withLock { $0 } }

    func run() async throws {
        started.withLock { $0 += 1 }
        try await body()
    }
}
