import Foundation
import Kafka
import Logging
import TestSupport
import Testing

@Suite("Producer and consumer against the mock cluster", .timeLimit(.minutes(3)))
struct ProducerConsumerTests {
    let broker: TestBroker

    init() throws {
        broker = try TestBroker()
    }

    @Test func keyedMessagesKeepPerKeyOrderAndGroupResumesAfterCommit() async throws {
        let topic = try broker.makeTopic(partitions: 6)
        let producer = try KafkaProducer(configuration: broker.producerConfiguration(), logger: broker.logger)
        let keys = (0..<10).map { "user-\($0)" }
        let perKey = 30
        let messages = (0..<perKey).flatMap { sequence in
            keys.map { key in
                KafkaProducerMessage(
                    topic: topic, key: key, value: "\(sequence)",
                    headers: [KafkaHeader(name: "content-type", string: "text/plain")]
                )
            }
        }
        let reports = try await withRunningService(producer) { await producer.sendBatch(messages) }
        #expect(reports.allSatisfy { (try? $0.get()) != nil }, "every record acknowledged")

        let group = "group-\(UUID().uuidString.prefix(8))"
        let firstHalf = messages.count / 2
        let consumer = try KafkaConsumer(configuration: broker.consumerConfiguration(group: group), logger: broker.logger)
        try await consumer.subscribe(topics: [topic])
        var received: [KafkaConsumerMessage] = []
        try await eventually("the first consumer has read half of the records", timeout: .seconds(30)) {
            received += try await consumer.poll(maxMessages: firstHalf - received.count, timeout: .milliseconds(200)).messages
            return received.count >= firstHalf
        }
        try await consumer.commit(processed: received)
        await consumer.close()

        let second = try KafkaConsumer(configuration: broker.consumerConfiguration(group: group), logger: broker.logger)
        try await second.subscribe(topics: [topic])
        try await eventually("the second consumer has read the other half", timeout: .seconds(30)) {
            received += try await second.poll(maxMessages: 500, timeout: .milliseconds(200)).messages
            return received.count >= messages.count
        }
        await second.close()

        #expect(received.count == messages.count, "no record read twice after the commit")
        var sequences: [String: [Int]] = [:]
        for message in received {
            sequences[message.keyString!, default: []].append(Int(String(decoding: message.value, as: UTF8.self))!)
            #expect(message.headers.string(named: "content-type") == "text/plain")
        }
        for key in keys {
            #expect(sequences[key] == Array(0..<perKey), "records of \(key) in produced order")
        }
    }

    @Test func sendWhileBrokerIsDownFailsWithRetriableErrorThenRecovers() async throws {
        let topic = try broker.makeTopic(partitions: 1)
        let producer = try KafkaProducer(configuration: broker.producerConfiguration(deliveryTimeoutMilliseconds: 1_500), logger: broker.logger)
        try await withRunningService(producer) {
            _ = try await producer.send(KafkaProducerMessage(topic: topic, key: "k", value: "before"))
            broker.cluster.setBrokerDown()
            let error = await #expect(throws: KafkaError.self) {
                _ = try await producer.send(KafkaProducerMessage(topic: topic, key: "k", value: "while down"))
            }
            #expect(error?.isRetriable == true, "a broker outage is retriable: \(String(describing: error))")
            broker.cluster.setBrokerUp()
            let report = try await eventuallyValue("a send succeeds after the broker is back", timeout: .seconds(30)) {
                try? await producer.send(KafkaProducerMessage(topic: topic, key: "k", value: "after"))
            }
            #expect(report.partition == 0)
        }
    }

    @Test func cancellingTheSenderFailsEveryUnreportedRecordAsAbandoned() async throws {
        let topic = try broker.makeTopic(partitions: 1)
        // Not running: no delivery report is ever served, so only cancellation ends the wait.
        let producer = try KafkaProducer(configuration: broker.producerConfiguration(), logger: broker.logger)
        let messages = (0..<3).map { KafkaProducerMessage(topic: topic, key: "k", value: "\($0)") }
        let results = await withTaskGroup(of: [Result<KafkaDeliveryReport, KafkaError>].self) { group in
            group.addTask { await producer.sendBatch(messages) }
            group.cancelAll()
            return await group.next() ?? []
        }
        #expect(results.count == messages.count, "one result per record")
        for result in results {
            guard case .failure(let error) = result else {
                Issue.record("a record without a delivery report succeeded: \(result)")
                continue
            }
            #expect(error.code == .deliveryReportAbandoned)
            #expect(error.isRetriable, "the record may still be delivered; sending it again is allowed")
        }
    }

    @Test func closingOneGroupMemberHandsItsPartitionsToTheOtherPromptly() async throws {
        let topic = try broker.makeTopic(partitions: 4)
        let group = "group-\(UUID().uuidString.prefix(8))"
        // The mock coordinator completes a rebalance after session.timeout.ms − 1 s; a member that
        // vanished without leaving is only noticed after a full session time-out on top of that.
        var configuration = broker.consumerConfiguration(group: group)
        configuration.sessionTimeoutMilliseconds = 4_000
        let first = try KafkaConsumer(configuration: configuration, logger: broker.logger)
        let second = try KafkaConsumer(configuration: configuration, logger: broker.logger)
        try await first.subscribe(topics: [topic])
        try await second.subscribe(topics: [topic])
        try await eventually("both members hold partitions", timeout: .seconds(30)) {
            _ = try await first.poll(timeout: .milliseconds(100))
            _ = try await second.poll(timeout: .milliseconds(100))
            let firstHolds = try await !first.assignment().isEmpty
            let secondHolds = try await !second.assignment().isEmpty
            return firstHolds && secondHolds
        }
        await first.close()
        let clock = ContinuousClock()
        let start = clock.now
        try await eventually("the remaining member holds all four partitions", timeout: .seconds(15)) {
            _ = try await second.poll(timeout: .milliseconds(100))
            return try await second.assignment().count == 4
        }
        // The closed member left the group explicitly: the mock completes the rebalance ~3 s
        // later (session time-out − 1 s). A member that vanished would first have to miss a
        // whole session time-out (4 s), ~7 s in all; the bound leaves 2.5 s for a busy machine.
        #expect(clock.now - start < .milliseconds(configuration.sessionTimeoutMilliseconds + 1_500))
        await second.close()
    }

    /// A poll says which of its records came before its first rebalance (the consumer queues
    /// those in the partition states the rebalance replaces). Nothing is fetched before the
    /// first assignment: the poll that serves it, waiting long enough for the records already
    /// on the topic, returns them all after it.
    @Test func aBatchSaysWhichRecordsCameBeforeItsRebalances() async throws {
        let topic = try broker.makeTopic(partitions: 1)
        let producer = try KafkaProducer(configuration: broker.producerConfiguration(), logger: broker.logger)
        let records = (0..<5).map { KafkaProducerMessage(topic: topic, key: "k", value: "\($0)") }
        try await withRunningService(producer) {
            #expect(await producer.sendBatch(records).allSatisfy { (try? $0.get()) != nil })
        }
        let consumer = try KafkaConsumer(configuration: broker.consumerConfiguration(group: "group-\(UUID().uuidString.prefix(8))"), logger: broker.logger)
        try await consumer.subscribe(topics: [topic])
        // The group forms ~3 s after the member joins; one poll's wait covers that and the fetch.
        let batch = try await eventuallyValue("a poll reports the assignment", timeout: .seconds(60)) { () -> KafkaConsumerBatch? in
            let batch = try await consumer.poll(maxMessages: 100, timeout: .seconds(10))
            if batch.rebalances.isEmpty {
                #expect(batch.messagesBeforeRebalances == batch.messages.count, "without a rebalance every record counts as before one")
                return nil
            }
            return batch
        }
        #expect(batch.rebalances == [.assigned([TopicPartition(topic: topic, partition: 0)])])
        #expect(batch.messages.map(\.offset) == Array(0..<5), "the records, fetched after the assignment, in the same poll")
        #expect(batch.messagesBeforeRebalances == 0, "no record came before the assignment")
        await consumer.close()
    }

    @Test func pausedPartitionDeliversNothingUntilResumed() async throws {
        let topic = try broker.makeTopic(partitions: 1)
        let partition = TopicPartition(topic: topic, partition: 0)
        let producer = try KafkaProducer(configuration: broker.producerConfiguration(), logger: broker.logger)
        try await withRunningService(producer) {
            let first = (0..<5).map { KafkaProducerMessage(topic: topic, key: "k", value: "first \($0)") }
            #expect(await producer.sendBatch(first).allSatisfy { (try? $0.get()) != nil })

            let consumer = try KafkaConsumer(configuration: broker.consumerConfiguration(group: "group-\(UUID().uuidString.prefix(8))"), logger: broker.logger)
            try await consumer.subscribe(topics: [topic])
            var received: [KafkaConsumerMessage] = []
            var assigned: [RebalanceEvent] = []
            try await eventually("the first five records arrive") {
                let batch = try await consumer.poll(timeout: .milliseconds(100))
                received += batch.messages
                assigned += batch.rebalances
                return received.count >= 5
            }
            #expect(assigned.contains(.assigned([partition])), "the assignment is reported in a batch")

            try await consumer.pause([partition])
            let second = (0..<5).map { KafkaProducerMessage(topic: topic, key: "k", value: "second \($0)") }
            #expect(await producer.sendBatch(second).allSatisfy { (try? $0.get()) != nil })
            // A paused partition must stay silent: poll a few times past the records' arrival.
            for _ in 0..<5 {
                #expect(try await consumer.poll(timeout: .milliseconds(100)).messages.isEmpty, "nothing while paused")
            }

            try await consumer.resume([partition])
            try await eventually("the second five arrive after resume") {
                received += try await consumer.poll(timeout: .milliseconds(100)).messages
                return received.count >= 10
            }
            #expect(received.map(\.offset) == Array(0..<10))

            await consumer.close()
        }
    }
}
