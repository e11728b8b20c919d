import AsyncPrimitives
import ServiceLifecycle
import ServiceLifecycleTestKit
import Testing
import TestSupport

@Suite("GatedService: start-up gating", .timeLimit(.minutes(1)))
struct GatedServiceTests {
    @Test func theServiceStartsOnlyOnceTheGateOpens() async throws {
        let gate = AsyncLatch()
        let probe = ServiceProbe()
        try await GatedServiceTests.runUntilDone(GatedService(probe, after: gate)) {
            try await Task.sleep(for: .milliseconds(100))
            #expect(probe.runs == 0, "the gate is closed")
            gate.open()
            try await eventually("the service ran") { probe.runs == 1 }
        }
    }

    @Test func aFailedGateFailsTheServiceWithItsErrorWithoutStartingIt() async throws {
        let gate = AsyncLatch()
        let probe = ServiceProbe()
        gate.fail(SchemaBehind())
        await #expect(throws: SchemaBehind.self) { try await GatedService(probe, after: gate).run() }
        #expect(probe.runs == 0)
    }

    @Test func gracefulShutdownBeforeTheGateOpensEndsItWithoutStartingTheService() async throws {
        let gate = AsyncLatch()
        let probe = ServiceProbe()
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await GatedService(probe, after: gate).run() }
                try await Task.sleep(for: .milliseconds(50))
                trigger.triggerGracefulShutdown()
                try await group.next()
            }
        }
        #expect(probe.runs == 0)
    }

    /// Runs `service` beside `body` and waits for both.
    static func runUntilDone(_ service: GatedService, _ body: @escaping @Sendable () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await service.run() }
            group.addTask { try await body() }
            try await group.waitForAll()
        }
    }

    struct SchemaBehind: Error {}
}
