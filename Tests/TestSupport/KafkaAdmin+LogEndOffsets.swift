import Kafka

extension KafkaAdmin {
    /// The log-end offset (the next offset to be written) per partition.
    public func logEndOffsets(topic: String) async throws(KafkaError) -> [Int32: Int64] {
        try await watermarks(topic: topic).mapValues(\.high)
    }
}
