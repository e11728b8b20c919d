import Synchronization

/// A level-triggered wake-up: ``signal()`` wakes the one waiter, or the next
/// ``wait(timeout:)`` if nobody waits yet. Used to turn `LISTEN/NOTIFY` hints
/// into prompt work while a timed poll remains the safety net.
public final class WakeUpSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    public init() {}

    public func signal() {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns at the first signal, after `timeout`, or on cancellation.
    public func wait(timeout: Duration) async {
        let alreadySignalled = state.withLock { state in
            defer { state.pending = false }
            return state.pending
        }
        if alreadySignalled { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: timeout) }
            group.addTask {
                await withCheckedContinuation { continuation in
                    let resumeNow = self.state.withLock { state in
                        if state.pending {
                            state.pending = false
                            return true
                        }
                        state.waiter = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
            await group.next()
            group.cancelAll()
            // Whichever finished first, release a waiter still parked so the group can end.
            let parked = state.withLock { state in
                defer { state.waiter = nil }
                return state.waiter
            }
            parked?.resume()
        }
    }
}
