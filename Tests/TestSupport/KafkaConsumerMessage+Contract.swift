import Events
import Kafka

extension KafkaConsumerMessage {
    /// The record read through the contract (``EventContract/read(key:value:)``), as a consumer
    /// reads it after checking the signature: typed, so a field renamed in the contract breaks
    /// the tests that read it at compile time, and a record that breaks a rule fails the test.
    public func readEvent() throws(EventRejection) -> ReadEvent {
        try EventContract.read(key: key, value: value)
    }
}
