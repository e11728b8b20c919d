import AsyncPrimitives
import Synchronization

/// What wakes the relay's loop: a `NOTIFY` (rows were committed: read again) or a batch
/// whose delivery reports are all in (mark it). One waiter, the loop.
final class RelayWakeUp: Sendable {
    private let signal = WakeUpSignal()
    /// Starts set: the first round reads whatever is already waiting.
    private let committed = Atomic<Bool>(true)

    /// A `NOTIFY` arrived: rows were committed since the last read.
    func rowsCommitted() {
        committed.store(true, ordering: .releasing)
        signal.signal()
    }

    /// A batch in flight has every delivery report.
    func batchDelivered() {
        signal.signal()
    }

    /// Whether rows were committed since the last call (and clears it).
    func takeRowsCommitted() -> Bool {
        committed.exchange(false, ordering: .acquiringAndReleasing)
    }

    /// Returns at the first wake-up (`true`), or after `timeout` or on cancellation (`false`).
    func wait(timeout: Duration) async -> Bool {
        await signal.wait(timeout: timeout)
    }
}
