import AsyncPrimitives
import Kafka

/// What the consumer knows about one assigned partition (see ``PartitionStates``): the records it holds,
/// its retry state, what it has committed, and the offset it expects next.
struct PartitionState: Sendable {
    /// Received, not yet done (applied or dead-lettered), in offset order.
    var queue: [PendingRecord] = []
    /// The group's committed next offset.
    var committed: Int64?
    /// The offset the next record should have; a larger one means records were skipped.
    var expectedNext: Int64?
    var highestSeen: Int64?
    /// Failed attempts of the record at the head of the queue (neither permanent nor transient).
    var headAttempts = 0
    /// Consecutive transient failures.
    var transientAttempts = 0
    /// The queue is not retried before this.
    var notBefore = ContinuousClock.now
    var paused = false

    init(committed: Int64?) {
        self.committed = committed
        self.expectedNext = committed
    }

    /// Queues a record; returns the range of offsets that were skipped before it, if any.
    mutating func receive(_ record: PendingRecord) -> ClosedRange<Int64>? {
        let message = record.message
        var gap: ClosedRange<Int64>?
        if let expectedNext, message.offset > expectedNext {
            gap = expectedNext...(message.offset - 1)
        }
        expectedNext = message.offset + 1
        highestSeen = max(highestSeen ?? message.offset, message.offset)
        queue.append(record)
        return gap
    }

    func isReady(now: ContinuousClock.Instant) -> Bool { !queue.isEmpty && notBefore <= now }

    /// The offset to commit: the first record still held, or past the last one seen.
    var nextCommitOffset: Int64? {
        if let first = queue.first { return first.offset }
        return highestSeen.map { $0 + 1 }
    }

    mutating func removeAll() {
        queue.removeAll()
        headAttempts = 0
    }

    mutating func removeHead() {
        guard !queue.isEmpty else { return }
        queue.removeFirst()
        headAttempts = 0
    }

    mutating func succeeded() {
        transientAttempts = 0
        notBefore = .now
    }

    /// Schedules the next try after a transient failure.
    mutating func backOffTransient(_ retry: RetryPolicy) {
        transientAttempts += 1
        notBefore = .now + retry.delay(attempt: transientAttempts)
    }

    /// Counts a failed attempt of the head record and schedules the next one; returns the attempts so far.
    mutating func headFailed(_ retry: RetryPolicy) -> Int {
        headAttempts += 1
        notBefore = .now + retry.delay(attempt: headAttempts)
        return headAttempts
    }
}
