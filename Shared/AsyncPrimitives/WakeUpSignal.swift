import Synchronization

/// A level-triggered wake-up: ``signal()`` wakes the one waiter, or the next
/// ``wait(timeout:)`` if nobody waits yet. Used to turn `LISTEN/NOTIFY` hints
/// into prompt work while a timed poll remains the safety net.
public final class WakeUpSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: (id: UInt64, continuation: CheckedContinuation<Bool, Never>)?
        var nextID: UInt64 = 0
        /// The id of a wait whose timer fired before its waiter was installed
        /// (a very short timeout, or a task cancelled at once): that wait must not block.
        var expired: UInt64?
    }

    private let state = Mutex(State())

    public init() {}

    public func signal() {
        let waiter: CheckedContinuation<Bool, Never>? = state.withLock { state in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter.continuation
            }
            state.pending = true
            return nil
        }
        waiter?.resume(returning: true)
    }

    /// Returns at the first signal (`true`), or after `timeout` or on cancellation (`false`).
    @discardableResult
    public func wait(timeout: Duration) async -> Bool {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        return await withTaskGroup(of: Void.self) { group in
            // The timer only ever wakes the waiter with this id, so a late timer cannot wake a later wait.
            // It also ends at once when the waiting task is cancelled.
            group.addTask {
                try? await Task.sleep(for: timeout)
                self.wake(id: id)
            }
            // The timer runs concurrently and may fire before the waiter is installed:
            // it then leaves `expired`, which the installation checks under the same lock.
            let signalled = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let resumeNow: Bool? = state.withLock { state in
                    if state.expired == id {
                        state.expired = nil
                        return false
                    }
                    if state.pending {
                        state.pending = false
                        return true
                    }
                    state.waiter = (id, continuation)
                    return nil
                }
                if let resumeNow { continuation.resume(returning: resumeNow) }
            }
            group.cancelAll()
            return signalled
        }
    }

    private func wake(id: UInt64) {
        let waiter: CheckedContinuation<Bool, Never>? = state.withLock { state in
            guard let waiter = state.waiter else {
                // Not installed yet (or already woken by a signal): remember that this wait's time is up.
                if id + 1 == state.nextID { state.expired = id }
                return nil
            }
            guard waiter.id == id else { return nil }
            state.waiter = nil
            return waiter.continuation
        }
        waiter?.resume(returning: false)
    }
}
