import AsyncPrimitives
import Foundation
import Kafka
import Logging
import ServiceLifecycle

/// Publishes the dead letters recorded in `dead_letter_outbox` to the group's
/// dead-letter topic, in id order, and marks them published once the broker
/// has them.
///
/// Instances of a group share the table: each claims a batch for a while
/// (`FOR UPDATE SKIP LOCKED`), so two never send the same letter. A publisher
/// that crashed after the broker stored a letter but before marking it leaves
/// the letter claimed; whoever claims it again first reads the dead-letter
/// topic from the end offsets recorded at the first claim and marks what it
/// finds there instead of sending it twice.
///
/// A ``PeriodicService``: a round publishes until a batch comes back short; the next comes
/// when the consumer signals new letters (`wakeUp`) or after `pollInterval`, and after a
/// failure once `retry` says so.
public struct DeadLetterPublisher: Service {
    let outbox: DeadLetterOutbox
    let producer: KafkaProducer
    let admin: KafkaAdmin
    /// Opens a consumer for reading the dead-letter topic outside the group (the crash check).
    let makeReader: @Sendable () throws -> KafkaConsumer
    let topic: String
    let group: String
    let wakeUp: WakeUpSignal
    let logger: Logger
    var batchSize = 100
    var pollInterval: Duration = .seconds(1)
    var claimFor: Duration = .seconds(60)
    /// The wait after a failed round; a recorded dead letter is never given up, so attempts are not limited.
    let retry: RetryPolicy

    public init(
        outbox: DeadLetterOutbox, producer: KafkaProducer, admin: KafkaAdmin, makeReader: @escaping @Sendable () throws -> KafkaConsumer,
        topic: String, group: String, wakeUp: WakeUpSignal, retry: RetryPolicy = .standard, logger: Logger
    ) {
        self.outbox = outbox
        self.producer = producer
        self.admin = admin
        self.makeReader = makeReader
        self.topic = topic
        self.group = group
        self.wakeUp = wakeUp
        self.retry = retry.withoutAttemptLimit
        self.logger = logger
    }

    public func run() async throws {
        try await PeriodicService(every: pollInterval, wakeUp: wakeUp, retry: retry, onFailure: { error, delay in
            logger.warning("could not publish dead letters; will retry", metadata: [
                "error": "\(String(reflecting: error))", "topic": "\(topic)", "retry_in_ms": "\(delay.wholeMilliseconds)",
            ])
        }) {
            while try await self.publishOnce() == self.batchSize {}
        }.run()
    }

    /// Claims, checks and sends one batch; returns how many letters it handled.
    @discardableResult
    public func publishOnce() async throws -> Int {
        let watermarks = try await admin.watermarks(topic: topic).mapValues(\.high)
        let entries = try await outbox.claim(limit: batchSize, for: claimFor, watermarks: watermarks)
        guard !entries.isEmpty else { return 0 }

        var alreadyThere: [Int64] = []
        let retried = entries.filter { $0.earlierClaimWatermarks != nil }
        if !retried.isEmpty {
            let found = try await publishedOriginals(since: retried.compactMap(\.earlierClaimWatermarks), until: watermarks)
            alreadyThere = retried.filter { found.contains(Self.key($0.original)) }.map(\.id)
            if !alreadyThere.isEmpty {
                logger.info("dead letters found already published by an earlier attempt; not sending them again", metadata: [
                    "count": "\(alreadyThere.count)", "topic": "\(topic)",
                ])
            }
        }
        let toSend = entries.filter { !alreadyThere.contains($0.id) }
        let results = await producer.sendBatch(toSend.map(\.message))
        var delivered = alreadyThere
        var failed: [Int64] = []
        var firstError: KafkaError?
        for (entry, result) in zip(toSend, results) {
            switch result {
            case .success:
                delivered.append(entry.id)
                logger.info("dead letter published", metadata: [
                    "topic": "\(topic)", "original_partition": "\(entry.original.partition)", "original_offset": "\(entry.original.offset)",
                ])
            case .failure(let error):
                failed.append(entry.id)
                firstError = firstError ?? error
            }
        }
        try await outbox.markPublished(delivered)
        try await outbox.release(failed)
        if let firstError { throw firstError }
        return entries.count
    }

    private static func key(_ original: (topic: String, partition: Int32, offset: Int64)) -> String {
        "\(original.topic)/\(original.partition)/\(original.offset)"
    }

    /// The original records (topic/partition/offset) of this group's letters
    /// on the dead-letter topic between the earliest of `starts` and `ends`.
    private func publishedOriginals(since starts: [[Int32: Int64]], until ends: [Int32: Int64]) async throws -> Set<String> {
        var from: [Int32: Int64] = [:]
        for start in starts { from.merge(start) { min($0, $1) } }
        let ranges = from.filter { partition, start in (ends[partition] ?? 0) > start }
        guard !ranges.isEmpty else { return [] }
        let reader = try makeReader()
        do {
            try await reader.assign(Dictionary(uniqueKeysWithValues: ranges.map { (TopicPartition(topic: topic, partition: $0.key), $0.value) }))
            let found = try await read(reader, from: ranges, until: ends)
            await reader.close()
            return found
        } catch {
            await reader.close()
            throw error
        }
    }

    private func read(_ reader: KafkaConsumer, from ranges: [Int32: Int64], until ends: [Int32: Int64]) async throws -> Set<String> {
        var found: Set<String> = []
        var next = ranges // the next offset still to read, per partition
        let deadline = ContinuousClock.now + .seconds(15)
        while next.contains(where: { partition, offset in offset < ends[partition, default: 0] }) {
            guard ContinuousClock.now < deadline else { throw TopicCheckIncomplete(topic: topic) }
            let batch = try await reader.poll(maxMessages: 500, timeout: .milliseconds(200))
            for message in batch.messages {
                next[message.partition] = max(next[message.partition] ?? 0, message.offset + 1)
                let headers = Dictionary(message.headers.compactMap { header in header.stringValue.map { (header.name, $0) } }) { first, _ in first }
                guard headers[DeadLetter.consumerGroupHeader] == group,
                      let originalTopic = headers[DeadLetter.originalTopicHeader],
                      let partition = headers[DeadLetter.originalPartitionHeader].flatMap({ Int32($0) }),
                      let offset = headers[DeadLetter.originalOffsetHeader].flatMap({ Int64($0) })
                else { continue }
                found.insert(Self.key((originalTopic, partition, offset)))
            }
        }
        return found
    }

    /// The dead-letter topic could not be read back in time; the letters wait for the next attempt.
    struct TopicCheckIncomplete: Error, CustomStringConvertible {
        let topic: String
        var description: String { "could not read \(topic) back to check for dead letters an earlier attempt published" }
    }
}
