import Foundation
import Kafka
import TestSupport
import Testing

/// Broker faults injected through the mock cluster's API (request errors, round-trip time),
/// and what the producer makes of them.
@Suite("Producer under faults injected through the mock API", .timeLimit(.minutes(3)))
struct InjectedFaultTests {
    let broker: TestBroker

    init() throws {
        broker = try TestBroker()
    }

    @Test func aRetriableProduceErrorIsRetriedInsideTheProducerAndTheRecordIsWrittenOnce() async throws {
        let topic = try broker.makeTopic(partitions: 1)
        let producer = try KafkaProducer(configuration: broker.producerConfiguration(), logger: broker.logger)
        try await withRunningService(producer) {
            _ = try await producer.send(KafkaProducerMessage(topic: topic, key: "k", value: "first"))
            broker.cluster.pushRequestErrors(.produce, errors: [.notLeaderForPartition, .notLeaderForPartition])
            let report = try await producer.send(KafkaProducerMessage(topic: topic, key: "k", value: "second"))
            #expect(report.offset == 1, "acknowledged after two refused attempts, stored once")
        }
        let admin = try KafkaAdmin(bootstrapServers: broker.bootstrapServers, logger: broker.logger)
        #expect(try await admin.logEndOffsets(topic: topic) == [0: 2])
    }

    @Test func aPermanentProduceErrorFailsTheSendWithTheBrokersCodeAndTheProducerCarriesOn() async throws {
        let topic = try broker.makeTopic(partitions: 1)
        let producer = try KafkaProducer(configuration: broker.producerConfiguration(), logger: broker.logger)
        try await withRunningService(producer) {
            _ = try await producer.send(KafkaProducerMessage(topic: topic, key: "k", value: "first"))
            broker.cluster.pushRequestErrors(.produce, errors: [.messageSizeTooLarge])
            let error = await #expect(throws: KafkaError.self) {
                _ = try await producer.send(KafkaProducerMessage(topic: topic, key: "k", value: "refused"))
            }
            #expect(error?.code == .messageSizeTooLarge)
            #expect(error?.isRetriable == false, "\(String(describing: error))")
            let report = try await producer.send(KafkaProducerMessage(topic: topic, key: "k", value: "after"))
            #expect(report.offset == 1, "the refused record was not stored")
        }
    }

    @Test func aRoundTripSlowerThanTheDeliveryTimeoutFailsTheSendAsRetriableThenRecovers() async throws {
        let topic = try broker.makeTopic(partitions: 1)
        let producer = try KafkaProducer(configuration: broker.producerConfiguration(deliveryTimeoutMilliseconds: 1_000), logger: broker.logger)
        try await withRunningService(producer) {
            // Connecting and the idempotent producer's id can take longer than one delivery time-out on a busy machine.
            _ = try await eventuallyValue("a first send succeeds", timeout: .seconds(30)) {
                try? await producer.send(KafkaProducerMessage(topic: topic, key: "k", value: "before"))
            }
            broker.cluster.setRoundTripTime(.seconds(3))
            let error = await #expect(throws: KafkaError.self) {
                _ = try await producer.send(KafkaProducerMessage(topic: topic, key: "k", value: "slow"))
            }
            #expect(error?.code == .messageTimedOut)
            #expect(error?.isRetriable == true, "\(String(describing: error))")
            broker.cluster.setRoundTripTime(.zero)
            _ = try await eventuallyValue("a send succeeds once responses are prompt again", timeout: .seconds(30)) {
                try? await producer.send(KafkaProducerMessage(topic: topic, key: "k", value: "after"))
            }
        }
    }
}
