import AsyncPrimitives
import ServiceLifecycle
import ServiceLifecycleTestKit
import Synchronization
import Testing
import TestSupport

@Suite("PeriodicService: rounds until graceful shutdown", .timeLimit(.minutes(1)))
struct PeriodicServiceTests {
    /// What the rounds and failures of one service were.
    final class Record: Sendable {
        let rounds = Mutex<[Int]>([])
        let failures = Mutex<[Duration]>([])
        var roundCount: Int { rounds.withLock { $0.count } }
    }

    /// Runs `service`, hands the test a way to shut it down gracefully, and returns once
    /// `run()` returned (it must, promptly, after the shutdown).
    static func run<S: Service>(_ service: S, _ body: @Sendable (GracefulShutdownTestTrigger) async throws -> Void) async throws {
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await service.run() }
                try await body(trigger)
                trigger.triggerGracefulShutdown()
                try await group.next()
            }
        }
    }

    @Test func runsAtOnceThenEveryIntervalUntilGracefulShutdown() async throws {
        let record = Record()
        let service = PeriodicService(every: .milliseconds(10)) { record.rounds.withLock { $0.append($0.count + 1) } }
        try await Self.run(service) { _ in
            try await eventually("three rounds") { record.roundCount >= 3 }
        }
        let afterShutdown = record.roundCount
        try await Task.sleep(for: .milliseconds(100))
        #expect(record.roundCount == afterShutdown, "no round after run() returned")
    }

    @Test func theFirstRoundCanWaitOneInterval() async throws {
        let record = Record()
        let service = PeriodicService(every: .seconds(3600), firstRound: .afterInterval) { record.rounds.withLock { $0.append(1) } }
        try await Self.run(service) { _ in
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(record.roundCount == 0, "shut down before the first interval passed")
    }

    @Test func stateIsCarriedFromOneRoundToTheNext() async throws {
        let record = Record()
        let service = PeriodicService(every: .milliseconds(1), state: 0) { count in
            count += 1
            record.rounds.withLock { [count] in $0.append(count) }
        }
        try await Self.run(service) { _ in
            try await eventually("three rounds") { record.roundCount >= 3 }
        }
        #expect(Array(record.rounds.withLock { $0 }.prefix(3)) == [1, 2, 3])
    }

    @Test func aFailedRoundIsReportedAndTheNextComesAfterTheRetryWaitNotTheInterval() async throws {
        let record = Record()
        let service = PeriodicService(
            every: .seconds(3600), retry: .fixed(.milliseconds(5)),
            onFailure: { _, next in record.failures.withLock { $0.append(next) } }
        ) {
            let round = record.rounds.withLock { rounds in
                rounds.append(rounds.count + 1)
                return rounds.count
            }
            if round <= 2 { throw RoundFailed() }
        }
        try await Self.run(service) { _ in
            try await eventually("the third round, which succeeds") { record.roundCount == 3 }
        }
        #expect(record.failures.withLock { $0 } == [.milliseconds(5), .milliseconds(5)])
    }

    @Test func withoutARetryPolicyAFailedRoundWaitsTheInterval() async throws {
        let record = Record()
        let service = PeriodicService(every: .seconds(3600), onFailure: { _, next in record.failures.withLock { $0.append(next) } }) {
            record.rounds.withLock { $0.append(1) }
            throw RoundFailed()
        }
        try await Self.run(service) { _ in
            try await eventually("the failure reported") { record.failures.withLock { !$0.isEmpty } }
        }
        #expect(record.failures.withLock { $0 } == [.seconds(3600)])
        #expect(record.roundCount == 1)
    }

    @Test func aWakeUpStartsTheNextRoundAtOnce() async throws {
        let record = Record()
        let wakeUp = WakeUpSignal()
        let service = PeriodicService(every: .seconds(3600), wakeUp: wakeUp) { record.rounds.withLock { $0.append(1) } }
        try await Self.run(service) { _ in
            try await eventually("the first round") { record.roundCount == 1 }
            wakeUp.signal()
            try await eventually("the second round, long before the interval") { record.roundCount == 2 }
        }
    }

    @Test func gracefulShutdownEndsTheRoundUnderWayWithoutReportingAFailure() async throws {
        let record = Record()
        let service = PeriodicService(every: .seconds(1), onFailure: { _, next in record.failures.withLock { $0.append(next) } }) {
            record.rounds.withLock { $0.append(1) }
            try await Task.sleep(for: .seconds(3600))
        }
        try await Self.run(service) { _ in
            try await eventually("the round under way") { record.roundCount == 1 }
        }
        #expect(record.failures.withLock { $0 }.isEmpty)
    }

    struct RoundFailed: Error {}
}
