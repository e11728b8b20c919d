import Synchronization

/// A level-triggered wake-up: ``signal()`` wakes the one waiter, or the next
/// ``wait(timeout:)`` if nobody waits yet. Used to turn `LISTEN/NOTIFY` hints
/// into prompt work while a timed poll remains the safety net.
public final class WakeUpSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: (id: UInt64, continuation: CheckedContinuation<Void, Never>)?
        var nextID: UInt64 = 0
        /// The id of a wait whose timer fired before its waiter was installed
        /// (a very short timeout, or a task cancelled at once): that wait must not block.
        var expired: UInt64?
    }

    private let state = Mutex(State())

    public init() {}

    public func signal() {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter.continuation
            }
            state.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns at the first signal, after `timeout`, or on cancellation.
    public func wait(timeout: Duration) async {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        await withTaskGroup(of: Void.self) { group in
            // The timer only ever wakes the waiter with this id, so a late timer cannot wake a later wait.
            // It also ends at once when the waiting task is cancelled.
            group.addTask {
                try? await Task.sleep(for: timeout)
                self.wake(id: id)
            }
            // The timer runs concurrently and may fire before the waiter is installed:
            // it then leaves `expired`, which the installation checks under the same lock.
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if state.expired == id {
                        state.expired = nil
                        return true
                    }
                    if state.pending {
                        state.pending = false
                        return true
                    }
                    state.waiter = (id, continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
            group.cancelAll()
        }
    }

    private func wake(id: UInt64) {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
            guard let waiter = state.waiter else {
                // Not installed yet (or already woken by a signal): remember that this wait's time is up.
                if id + 1 == state.nextID { state.expired = id }
                return nil
            }
            guard waiter.id == id else { return nil }
            state.waiter = nil
            return waiter.continuation
        }
        waiter?.resume()
    }
}
