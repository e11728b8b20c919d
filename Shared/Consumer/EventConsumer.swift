import AsyncPrimitives
import Events
import Foundation
import Kafka
import Logging
import ServiceLifecycle
import Tracing

/// The idempotent group consumer a service runs over `user-events`.
///
/// Each round polls a batch, decodes it, and in one transaction records a dead
/// letter for each record that can never be applied and applies the rest
/// (dedup insert + projection, see ``ProcessedEventsStore``); only then it
/// commits the offsets. While a batch's transaction runs, the next poll is already
/// fetched and decoded (read-ahead); its records are handed to the partition states only
/// after the batch is done. Dead letters reach the topic through
/// ``DeadLetterPublisher``, so a record read twice never gets two. Failures
/// (``FailureClass``):
///
/// - permanent → a dead letter at once, with the reason;
/// - transient (database or broker unavailable, serialization failure,
///   deadlock) → the partition is paused and retried after a full-jitter
///   backoff, for as long as it takes; its committed offset does not move;
/// - anything else → the batch is retried one record at a time so the good
///   records of the batch are applied, and the failing record is retried up to
///   `retry.maxAttempts` times before it is dead-lettered as `exhausted`.
///
/// A partition's committed offset never passes a record that is neither applied
/// nor dead-lettered. Records skipped by the broker (an offset reset after
/// retention deleted them) are logged at error level and counted.
/// Graceful shutdown abandons held retries, commits what was applied, and
/// closes the consumer so the group rebalances at once.
public struct EventConsumer: Service {
    let configuration: ConsumerConfiguration
    let consumer: KafkaConsumer
    let store: ProcessedEventsStore
    let statistics: ConsumerStatistics
    let logger: Logger
    /// Verifies and reads every record (the verify keys are in the configuration).
    let decoder: EventDecoder
    /// Signalled when dead letters were recorded, so the publisher sends them at once.
    let deadLetterWakeUp: WakeUpSignal?
    /// The spans of applied and dead-lettered events.
    let spans: ConsumerSpans

    public init(
        configuration: ConsumerConfiguration, consumer: KafkaConsumer, store: ProcessedEventsStore, statistics: ConsumerStatistics,
        logger: Logger, deadLetterWakeUp: WakeUpSignal? = nil, tracer: any Tracer = NoOpTracer()
    ) {
        self.configuration = configuration
        self.spans = ConsumerSpans(tracer: tracer, topic: configuration.topic, group: configuration.group)
        self.consumer = consumer
        self.decoder = EventDecoder(keys: configuration.verifyKeys)
        self.deadLetterWakeUp = deadLetterWakeUp
        self.store = store
        self.statistics = statistics
        self.logger = logger
    }

    public func run() async throws {
        let stopRequested = AsyncLatch()
        do {
            try await withGracefulShutdownHandler {
                try await self.consume(until: stopRequested)
            } onGracefulShutdown: {
                stopRequested.open()
            }
        } catch is CancellationError {
            // Cancelled rather than shut down gracefully: still leave the group below.
        }
        await consumer.close()
        logger.info("consumer closed", metadata: ["group": "\(configuration.group)"])
    }

    private func consume(until stopRequested: AsyncLatch) async throws {
        try await consumer.subscribe(topics: [configuration.topic])
        logger.info("consumer subscribed", metadata: ["group": "\(configuration.group)", "topic": "\(configuration.topic)"])
        var partitions = PartitionStates(retry: configuration.retry)
        var pollFailures = 0
        var readAhead: Result<PolledRecords, KafkaError>?
        while !stopRequested.isOpen {
            try Task.checkCancellation()
            let polled: PolledRecords
            let result: Result<PolledRecords, KafkaError>
            if let readAhead {
                result = readAhead
            } else {
                statistics.recordStep("polling the broker")
                result = await poll(waitingAtMost: partitions.pollTimeout(atMost: .milliseconds(100)))
            }
            readAhead = nil
            switch result {
            case .success(let records):
                polled = records
            case .failure(let error):
                if error.code == .shutDown { return }
                statistics.recordTransientFailure("poll: \(error)")
                logger.warning("consumer poll failed", metadata: ["error": "\(error)"])
                pollFailures += 1
                try await Task.sleep(for: configuration.pollRetry.delay(attempt: pollFailures))
                continue
            }
            pollFailures = 0
            for error in polled.errors {
                logger.warning("consumer error", metadata: ["error": "\(error)"])
            }
            // Records read before a rebalance go to the states it replaces: a revoked
            // partition's are dropped with it (its next owner, or this member again, reads
            // them from the committed offset), so none is taken for a gap of the new assignment.
            receive(polled.records[..<polled.recordsBeforeRebalances], into: &partitions)
            await applyRebalances(polled.rebalances, to: &partitions)
            receive(polled.records[polled.recordsBeforeRebalances...], into: &partitions)
            let ready = partitions.ready()
            if !ready.isEmpty {
                // Read ahead: the next records are fetched, verified and read while this batch's
                // transaction runs, so the consumer's CPU work overlaps the database's. They
                // reach the partition states only after the batch is done; a rebalance the
                // read-ahead saw is applied then too (a commit refused meanwhile only means
                // the next owner reads the batch again and skips it as duplicates).
                async let next = poll(waitingAtMost: .zero)
                await process(partitions.batch(of: ready), in: &partitions)
                readAhead = await next
            }
            statistics.recordStep("committing offsets")
            await commit(&partitions)
            await updatePauses(&partitions)
            if partitions.isIdle && readAhead == nil { statistics.recordIdle() }
        }
    }

    /// Polls a batch and decodes its records (verify, then read through the contract).
    private func poll(waitingAtMost timeout: Duration) async -> Result<PolledRecords, KafkaError> {
        do {
            let batch = try await consumer.poll(maxMessages: configuration.batchSize, timeout: timeout)
            let records = batch.messages.map { PendingRecord($0, decoded: decoder.decodeRecord($0)) }
            return .success(PolledRecords(
                records: records, rebalances: batch.rebalances, errors: batch.errors, recordsBeforeRebalances: batch.messagesBeforeRebalances
            ))
        } catch {
            return .failure(error)
        }
    }

    // MARK: Rebalances, gaps, pauses

    private func receive(_ records: ArraySlice<PendingRecord>, into partitions: inout PartitionStates) {
        for record in records {
            if case .ignoredHeartbeat(let rejection) = record.decoded { reportIgnoredHeartbeat(record.message, rejection) }
            if let gap = partitions.receive(record) { reportSkipped(gap, partition: record.message.partition) }
        }
    }

    private func applyRebalances(_ rebalances: [RebalanceEvent], to partitions: inout PartitionStates) async {
        for event in rebalances {
            switch event {
            case .revoked(let revoked):
                partitions.revoke(revoked)
                statistics.recordRevoked(revoked.map(\.partition))
            case .assigned(let assigned):
                partitions.assign(assigned, committed: (try? await consumer.committed(assigned)) ?? [:])
                statistics.recordAssigned(assigned.map(\.partition))
            }
        }
    }

    private func reportIgnoredHeartbeat(_ message: KafkaConsumerMessage, _ rejection: EventRejection) {
        statistics.recordIgnoredHeartbeat()
        logger.warning("a heartbeat was ignored: it is not a valid signed heartbeat, so its watermark is not used", metadata: [
            "reason": "\(rejection)", "partition": "\(message.partition)", "offset": "\(message.offset)",
        ])
    }

    private func reportSkipped(_ gap: ClosedRange<Int64>, partition: Int32) {
        let count = gap.upperBound - gap.lowerBound + 1
        statistics.recordSkippedOffsets(count)
        logger.error("offsets skipped: records were deleted before this group consumed them (offset reset)", metadata: [
            "group": "\(configuration.group)", "topic": "\(configuration.topic)", "partition": "\(partition)",
            "skipped_from": "\(gap.lowerBound)", "skipped_to": "\(gap.upperBound)", "skipped_count": "\(count)",
        ])
    }

    private func updatePauses(_ partitions: inout PartitionStates) async {
        let (pause, resume) = partitions.pauseChanges()
        do {
            try await consumer.pause(pause)
            try await consumer.resume(resume)
            partitions.paused(pause, resumed: resume)
        } catch {
            logger.warning("could not pause or resume partitions", metadata: ["error": "\(error)"])
        }
    }

    // MARK: Processing

    /// Applies a batch in one transaction, with the dead letters of its poison records;
    /// then keeps its heartbeats' watermarks.
    private func process(_ batch: PartitionStates.Batch, in partitions: inout PartitionStates) async {
        let letters = batch.poison.map { letter(for: $0.record, .permanent, error: $0.error.reason, attempts: 1) }
        statistics.recordStep("applying \(batch.events.count) events in one database transaction")
        let startedAt = DefaultTracerClock.now
        do {
            let outcome = try await store.apply(
                batch.events, deadLetters: letters, deadLetterTopic: configuration.deadLetterTopic, watermarks: Self.byPartition(batch.watermarks)
            )
            statistics.recordApplied(outcome)
            spans.applied(batch.events, outcome: outcome, startedAt: startedAt)
            recorded(letters)
            partitions.applied(batch)
            keepWatermarks(batch.watermarks)
        } catch {
            switch FailureClass.classify(error) {
            case .transient:
                backOffTransient(batch.partitions, error: error, in: &partitions)
            case .permanent, .other:
                logger.warning("applying a batch failed; retrying its records one by one", metadata: [
                    "error": "\(String(reflecting: error))", "records": "\(batch.events.count + letters.count)",
                ])
                for partition in batch.partitions { await processOneByOne(partition, in: &partitions) }
            }
        }
    }

    /// Applies a partition's records one at a time, so one bad record neither blocks nor rolls back the others.
    private func processOneByOne(_ partition: TopicPartition, in partitions: inout PartitionStates) async {
        while let record = partitions.head(of: partition) {
            var deadLetter: DeadLetter
            switch record.decoded {
            case .ignoredHeartbeat:
                partitions.headDone(partition) // logged when received
                continue
            case .heartbeat(let watermark):
                // Every record before it in this partition is done: keep its watermark.
                do {
                    _ = try await store.apply([], watermarks: [partition.partition: watermark])
                } catch {
                    backOffTransient([partition], error: error, in: &partitions)
                    return
                }
                partitions.headDone(partition)
                keepWatermarks([partition: watermark])
                continue
            case .poison(let error):
                deadLetter = letter(for: record, .permanent, error: error.reason, attempts: 1)
            case .event(let event):
                statistics.recordStep("applying event \(event.id) on its own")
                let startedAt = DefaultTracerClock.now
                do {
                    let outcome = try await store.apply([event])
                    statistics.recordApplied(outcome)
                    spans.applied([event], outcome: outcome, startedAt: startedAt)
                    partitions.headDone(partition)
                    continue
                } catch {
                    let failureClass = FailureClass.classify(error)
                    if failureClass == .transient {
                        backOffTransient([partition], error: error, in: &partitions)
                        return
                    }
                    switch partitions.headFailed(partition, as: failureClass) {
                    case .retry(let attempt):
                        logger.warning("applying an event failed; will retry", metadata: [
                            "error": "\(String(reflecting: error))", "event_id": "\(event.id)", "partition": "\(record.message.partition)",
                            "offset": "\(record.offset)", "attempt": "\(attempt)",
                        ])
                        return
                    case .deadLetter(let errorClass, let attempts):
                        deadLetter = letter(for: record, errorClass, error: FailureClass.explain(error), attempts: attempts)
                    }
                }
            }
            statistics.recordStep("recording a dead letter")
            do {
                _ = try await store.apply([], deadLetters: [deadLetter], deadLetterTopic: configuration.deadLetterTopic)
            } catch {
                backOffTransient([partition], error: error, in: &partitions)
                return
            }
            recorded([deadLetter])
            partitions.headDone(partition)
        }
    }

    private func letter(for record: PendingRecord, _ errorClass: DeadLetter.ErrorClass, error: String, attempts: Int) -> DeadLetter {
        let trace: TraceContext? = switch record.decoded {
        case .event(let event): event.trace
        case .poison(let poison): poison.trace
        case .heartbeat, .ignoredHeartbeat: nil
        }
        return DeadLetter(original: record.message, errorClass: errorClass, error: error, attempts: attempts, group: configuration.group, trace: trace)
    }

    private func backOffTransient(_ affected: [TopicPartition], error: any Error, in partitions: inout PartitionStates) {
        let attempt = partitions.backOff(affected)
        statistics.recordTransientFailure(FailureClass.explain(error))
        logger.warning("applying events failed for a transient reason; the partitions wait and retry", metadata: [
            "error": "\(String(reflecting: error))", "attempt": "\(attempt)",
            "partitions": "\(affected.map { String($0.partition) }.joined(separator: ","))",
        ])
    }

    private func keepWatermarks(_ watermarks: [TopicPartition: Date]) {
        statistics.recordWatermarks(Self.byPartition(watermarks))
    }

    private static func byPartition(_ watermarks: [TopicPartition: Date]) -> [Int32: Date] {
        Dictionary(watermarks.map { ($0.key.partition, $0.value) }) { _, latest in latest }
    }

    /// Dead letters are committed in the consumer's database: count them, log them, wake the publisher.
    private func recorded(_ letters: [DeadLetter]) {
        guard !letters.isEmpty else { return }
        statistics.recordDeadLetters(letters)
        spans.deadLettered(letters, to: configuration.deadLetterTopic)
        for letter in letters {
            logger.warning("event dead-lettered", metadata: [
                "class": "\(letter.errorClass.rawValue)", "error": "\(letter.error)", "partition": "\(letter.original.partition)",
                "offset": "\(letter.original.offset)", "attempts": "\(letter.attempts)", "topic": "\(configuration.deadLetterTopic)",
            ])
        }
        deadLetterWakeUp?.signal()
    }

    // MARK: Offsets

    /// Commits, per partition, up to the first record not yet done.
    private func commit(_ partitions: inout PartitionStates) async {
        let offsets = partitions.offsetsToCommit()
        guard !offsets.isEmpty else { return }
        do {
            try await consumer.commit(nextOffsets: offsets)
            partitions.committed(offsets)
        } catch {
            // The database has the events; a later commit (or dedup after redelivery) covers them.
            statistics.recordTransientFailure("offset commit: \(error)")
            logger.warning("offset commit failed; will retry", metadata: ["error": "\(error)"])
        }
    }
}
