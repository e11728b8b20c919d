import AsyncPrimitives
import Foundation
import Testing

@Suite("Time limit", .timeLimit(.minutes(1)))
struct TimeLimitTests {
    @Test func aResultWithinTheLimitIsReturned() async throws {
        #expect(try await TimeLimit.run(.seconds(5)) { 42 } == 42)
    }

    @Test func anErrorOfTheOperationIsThrown() async {
        struct Failure: Error {}
        await #expect(throws: Failure.self) { try await TimeLimit.run(.seconds(5)) { throw Failure() } }
    }

    @Test func anOperationThatIgnoresCancellationDoesNotHoldTheCaller() async {
        // A continuation nobody resumes stands for a query on a dead connection;
        // if the limit waited for it, this test would hang until the suite's time limit.
        await #expect(throws: TimeLimit.Exceeded.self) {
            try await TimeLimit.run(.milliseconds(200)) {
                await withCheckedContinuation { (_: CheckedContinuation<Void, Never>) in }
            }
        }
    }

    /// Every database call runs under a limit (30 s) and nearly all finish long before it.
    /// The limit's timer must go with the call: a sleeping task would keep its memory until
    /// its deadline even once cancelled, which at 2,800 writes/s held about 250 MiB.
    @Test func finishedCallsLeaveNoTimerBehind() async throws {
        func residentMiB() throws -> Int {
            let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
            let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") })
            return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) / 1024
        }
        // Each operation waits a moment, as a query does, so the limit's timer is armed.
        @Sendable func call() async throws { try await TimeLimit.run(.seconds(3600)) { try await Task.sleep(for: .milliseconds(1)) } }
        // 40,000 calls, 20 at a time (as the pool's connections would make them).
        func calls(_ count: Int) async throws {
            try await withThrowingTaskGroup { group in
                for _ in 0..<20 { group.addTask { for _ in 0..<count / 20 { try await call() } } }
                try await group.waitForAll()
            }
        }
        try await calls(1_000) // warm-up
        let before = try residentMiB()
        try await calls(40_000)
        let grown = try residentMiB() - before
        #expect(grown < 10, "40,000 finished calls with a one-hour limit grew the process by \(grown) MiB")
    }
}
