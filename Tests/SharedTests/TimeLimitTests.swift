import AsyncPrimitives
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
}
