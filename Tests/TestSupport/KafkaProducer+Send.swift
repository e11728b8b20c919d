import Kafka

extension KafkaProducer {
    /// Publishes one record and returns where it was stored (the services always send batches).
    public func send(_ message: KafkaProducerMessage) async throws(KafkaError) -> KafkaDeliveryReport {
        try await sendBatch([message])[0].get()
    }
}
