import AsyncPrimitives
import Foundation
import Kafka

/// What the consumer knows about the partitions assigned to it, as a state
/// machine: the loop feeds it what happened (records received, a batch
/// applied, a failure, a commit) and asks it what to do next (which records
/// to apply, which offsets to commit, which partitions to pause or resume).
/// It does no I/O, so every rule is a plain unit test.
struct PartitionStates: Sendable {
    private var states: [TopicPartition: PartitionState] = [:]
    /// The waits between retries; its attempt limit applies to failures that are neither
    /// permanent nor transient (transient ones are retried for as long as it takes).
    let retry: RetryPolicy

    init(retry: RetryPolicy) {
        self.retry = retry
    }

    /// The work of one round: the events of the ready partitions, the records that can never
    /// be applied, and the latest heartbeat's watermark per partition (kept once the records
    /// before it are applied, that is, with the batch).
    struct Batch: Sendable {
        var partitions: [TopicPartition]
        var events: [ConsumedEvent] = []
        var poison: [(record: PendingRecord, error: PermanentEventError)] = []
        var watermarks: [TopicPartition: Date] = [:]
    }

    /// What to do with a record that failed on its own (not transiently).
    enum HeadFailure: Equatable {
        /// Try it again after a backoff (attempt `n` failed).
        case retry(attempt: Int)
        /// Give up on it: record a dead letter of this class.
        case deadLetter(DeadLetter.ErrorClass, attempts: Int)
    }

    // MARK: Assignment

    /// New partitions start from the group's committed offset.
    mutating func assign(_ partitions: [TopicPartition], committed: [TopicPartition: Int64?]) {
        for partition in partitions { states[partition] = PartitionState(committed: committed[partition] ?? nil) }
    }

    /// Held records of a revoked partition are abandoned: its next owner reads them from the committed offset.
    mutating func revoke(_ partitions: [TopicPartition]) {
        for partition in partitions { states[partition] = nil }
    }

    /// Queues a record; returns the offsets the broker skipped before it, if any. Records of
    /// partitions no longer assigned (revoked in the same poll) are dropped.
    mutating func receive(_ record: PendingRecord) -> ClosedRange<Int64>? {
        states[record.message.topicPartition]?.receive(record) ?? nil
    }

    // MARK: Work

    /// How long the next poll may wait: not past the moment a held record may be retried.
    func pollTimeout(atMost limit: Duration, now: ContinuousClock.Instant = .now) -> Duration {
        guard let next = states.values.filter({ !$0.queue.isEmpty }).map(\.notBefore).min() else { return limit }
        return max(.zero, min(limit, next - now))
    }

    /// The partitions whose held records may be applied now, in a stable order.
    func ready(now: ContinuousClock.Instant = .now) -> [TopicPartition] {
        states.filter { $0.value.isReady(now: now) }.keys.sorted()
    }

    /// Everything held by these partitions.
    func batch(of partitions: [TopicPartition]) -> Batch {
        var batch = Batch(partitions: partitions)
        for partition in partitions {
            for record in states[partition]?.queue ?? [] {
                switch record.decoded {
                case .event(let event): batch.events.append(event)
                case .poison(let error): batch.poison.append((record, error))
                case .heartbeat(let watermark): batch.watermarks[partition] = watermark // the latest in offset order
                case .ignoredHeartbeat: break
                }
            }
        }
        return batch
    }

    /// The batch's transaction committed: its records are done.
    mutating func applied(_ batch: Batch) {
        for partition in batch.partitions {
            states[partition]?.removeAll()
            states[partition]?.succeeded()
        }
    }

    /// The oldest record held by a partition, the one to try next on its own.
    func head(of partition: TopicPartition) -> PendingRecord? {
        states[partition]?.queue.first
    }

    /// The head record is done (applied, or its dead letter recorded).
    mutating func headDone(_ partition: TopicPartition) {
        states[partition]?.removeHead()
        states[partition]?.succeeded()
    }

    /// The head record failed on its own: retry it after a backoff, or give up on it.
    mutating func headFailed(_ partition: TopicPartition, as failureClass: FailureClass) -> HeadFailure {
        let attempts = states[partition]?.headFailed(retry) ?? 1
        switch failureClass {
        case .permanent: return .deadLetter(.permanent, attempts: attempts)
        case .other where retry.isExhausted(after: attempts): return .deadLetter(.exhausted, attempts: attempts)
        case .other, .transient: return .retry(attempt: attempts)
        }
    }

    /// A transient failure: these partitions wait and retry; returns the number of consecutive failures.
    mutating func backOff(_ partitions: [TopicPartition]) -> Int {
        var attempts = 0
        for partition in partitions {
            states[partition]?.backOffTransient(retry)
            attempts = max(attempts, states[partition]?.transientAttempts ?? 0)
        }
        return attempts
    }

    /// Nothing is held: the loop is idle, which counts as progress.
    var isIdle: Bool { states.values.allSatisfy { $0.queue.isEmpty } }

    // MARK: Offsets and pauses

    /// Per partition, the offset of the first record not yet done, where it moved past the committed one.
    func offsetsToCommit() -> [TopicPartition: Int64] {
        states.reduce(into: [:]) { offsets, entry in
            if let next = entry.value.nextCommitOffset, next > (entry.value.committed ?? -1) { offsets[entry.key] = next }
        }
    }

    mutating func committed(_ offsets: [TopicPartition: Int64]) {
        for (partition, offset) in offsets { states[partition]?.committed = offset }
    }

    /// Partitions to pause (they hold records waiting for a retry, so they neither advance nor spin) and to resume.
    func pauseChanges() -> (pause: [TopicPartition], resume: [TopicPartition]) {
        var pause: [TopicPartition] = []
        var resume: [TopicPartition] = []
        for (partition, state) in states {
            if !state.queue.isEmpty && !state.paused { pause.append(partition) }
            if state.queue.isEmpty && state.paused { resume.append(partition) }
        }
        return (pause.sorted(), resume.sorted())
    }

    mutating func paused(_ paused: [TopicPartition], resumed: [TopicPartition]) {
        for partition in paused { states[partition]?.paused = true }
        for partition in resumed { states[partition]?.paused = false }
    }
}
