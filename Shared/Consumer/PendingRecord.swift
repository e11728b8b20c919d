import EventLog

/// A record received but not yet applied or dead-lettered, with its decoding.
struct PendingRecord: Sendable {
    let message: KafkaConsumerMessage
    let decoded: Result<ConsumedEvent, PermanentEventError>

    init(_ message: KafkaConsumerMessage) {
        self.message = message
        self.decoded = Result { () throws(PermanentEventError) in try EventDecoder.decode(message) }
    }

    var offset: Int64 { message.offset }
}
