import Kafka

/// A record received but not yet done (applied, dead-lettered, or a heartbeat kept), with its decoding.
struct PendingRecord: Sendable {
    let message: KafkaConsumerMessage
    let decoded: DecodedRecord

    init(_ message: KafkaConsumerMessage, decoded: DecodedRecord) {
        self.message = message
        self.decoded = decoded
    }

    var offset: Int64 { message.offset }
}
