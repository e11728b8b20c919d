import AsyncPrimitives
import Foundation
import Kafka
import Testing
import TestSupport
@testable import Consumer

/// The consumer's partition bookkeeping, without a broker or a database.
@Suite("partition states: what to apply, commit, pause")
struct PartitionStatesTests {
    static let p0 = TopicPartition(topic: "user-events", partition: 0)
    static let p1 = TopicPartition(topic: "user-events", partition: 1)

    /// A received record, signed as the relay signs it and decoded as the consumer does.
    static func message(_ partition: TopicPartition, offset: Int64, _ record: TestRecord) -> PendingRecord {
        let message = KafkaConsumerMessage(
            topic: partition.topic, partition: partition.partition, offset: offset, key: record.key, value: record.value,
            headers: TestEventKeys.headers(key: record.key, value: record.value), timestampMilliseconds: nil
        )
        return PendingRecord(message, decoded: EventDecoder(keys: TestEventKeys.verify).decodeRecord(message))
    }

    /// Without jitter: with full jitter a first retry may be drawn as 0–2 ms and already be due
    /// when a test checks that the record waits for its backoff (it failed so in 1 of ~50 runs).
    static func states(maxAttempts: Int = 3) -> PartitionStates {
        PartitionStates(retry: RetryPolicy(base: .milliseconds(100), factor: 2, cap: .seconds(1), jitter: .none, maxAttempts: maxAttempts))
    }

    @Test
    func aBatchIsCommittedPastItsLastRecordOnlyOnceApplied() {
        var states = Self.states()
        states.assign([Self.p0, Self.p1], committed: [Self.p0: 10, Self.p1: nil])
        #expect(states.receive(Self.message(Self.p0, offset: 10, TestEvents.updated(UUID(), version: 1))) == nil)
        #expect(states.receive(Self.message(Self.p0, offset: 11, TestRecord(key: "k", text: "not json"))) == nil)
        #expect(states.offsetsToCommit().isEmpty, "nothing done yet: the committed offset stays at 10")

        let batch = states.batch(of: states.ready())
        #expect(batch.partitions == [Self.p0])
        #expect(batch.events.count == 1)
        #expect(batch.poison.map(\.record.offset) == [11])
        states.applied(batch)
        #expect(states.offsetsToCommit() == [Self.p0: 12])
        states.committed([Self.p0: 12])
        #expect(states.offsetsToCommit().isEmpty)
        #expect(states.isIdle)
    }

    @Test
    func aSkippedRangeIsReported() {
        var states = Self.states()
        states.assign([Self.p0], committed: [Self.p0: 5])
        #expect(states.receive(Self.message(Self.p0, offset: 9, TestEvents.updated(UUID(), version: 1))) == 5...8)
    }

    @Test
    func recordsOfAPartitionRevokedInTheSamePollAreDropped() {
        var states = Self.states()
        states.assign([Self.p0], committed: [:])
        states.revoke([Self.p0])
        _ = states.receive(Self.message(Self.p0, offset: 0, TestEvents.updated(UUID(), version: 1)))
        #expect(states.ready().isEmpty)
        #expect(states.offsetsToCommit().isEmpty)
    }

    @Test
    func aFailingRecordIsRetriedThenDeadLetteredAndTheCommitNeverPassesIt() {
        var states = Self.states(maxAttempts: 3)
        states.assign([Self.p0], committed: [Self.p0: 0])
        _ = states.receive(Self.message(Self.p0, offset: 0, TestEvents.updated(UUID(), version: 1)))
        _ = states.receive(Self.message(Self.p0, offset: 1, TestEvents.updated(UUID(), version: 1)))
        #expect(states.headFailed(Self.p0, as: .other) == .retry(attempt: 1))
        #expect(states.ready().isEmpty, "waits for its backoff")
        #expect(states.pauseChanges().pause == [Self.p0], "paused while it waits")
        states.paused([Self.p0], resumed: [])
        #expect(states.headFailed(Self.p0, as: .other) == .retry(attempt: 2))
        #expect(states.headFailed(Self.p0, as: .other) == .deadLetter(.exhausted, attempts: 3))
        #expect(states.offsetsToCommit().isEmpty, "the failing record is not done yet")
        states.headDone(Self.p0) // its dead letter was recorded
        #expect(states.offsetsToCommit() == [Self.p0: 1], "up to the next record still held")
        #expect(states.head(of: Self.p0)?.offset == 1)
        #expect(states.headFailed(Self.p0, as: .other) == .retry(attempt: 1), "attempts count per record")
        states.headDone(Self.p0)
        #expect(states.pauseChanges().resume == [Self.p0], "resumed once nothing is held")
    }

    @Test
    func aPermanentFailureIsDeadLetteredAtOnce() {
        var states = Self.states()
        states.assign([Self.p0], committed: [:])
        _ = states.receive(Self.message(Self.p0, offset: 0, TestEvents.updated(UUID(), version: 1)))
        #expect(states.headFailed(Self.p0, as: .permanent) == .deadLetter(.permanent, attempts: 1))
    }

    @Test
    func transientFailuresBackOffAndThePollWaitsNoLongerThanTheNextRetry() {
        var states = Self.states()
        states.assign([Self.p0], committed: [:])
        _ = states.receive(Self.message(Self.p0, offset: 0, TestEvents.updated(UUID(), version: 1)))
        let now = ContinuousClock.now
        #expect(states.backOff([Self.p0]) == 1)
        #expect(states.backOff([Self.p0]) == 2)
        #expect(states.pollTimeout(atMost: .seconds(5), now: now) <= .seconds(1), "capped backoff bounds the wait")
        #expect(states.ready(now: now + .seconds(2)) == [Self.p0])
    }
}
