import AsyncPrimitives
import Testing

@Suite("Wake-up signal", .timeLimit(.minutes(1)))
struct WakeUpSignalTests {
    @Test func aSignalBeforeTheWaitIsNotLost() async {
        let signal = WakeUpSignal()
        signal.signal()
        #expect(await signal.wait(timeout: .seconds(30)), "returned on the pending signal, not the timeout")
    }

    @Test func aTimeoutSaysItWasNotSignalled() async {
        #expect(await WakeUpSignal().wait(timeout: .milliseconds(10)) == false)
    }

    @Test func manyShortTimeoutsAllReturn() async {
        // Each wait must end by its own timer; a lost wake-up would hang here until the time limit.
        let signal = WakeUpSignal()
        for _ in 0..<300 { await signal.wait(timeout: .microseconds(10)) }
    }

    @Test func cancellationEndsTheWait() async {
        // Many rounds, so that the cancellation also lands before the waiter is installed
        // (the timer then fires first; that wake-up must not be lost).
        let signal = WakeUpSignal()
        for _ in 0..<200 {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await signal.wait(timeout: .seconds(3600)) }
                group.cancelAll()
                await group.waitForAll()
            }
        }
    }

    @Test func concurrentSignalsWakeAWaiter() async {
        let signal = WakeUpSignal()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await signal.wait(timeout: .seconds(3600)) }
            group.addTask { for _ in 0..<100 { signal.signal(); await Task.yield() } }
            await group.waitForAll()
        }
    }
}
