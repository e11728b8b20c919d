extension Duration {
    /// The duration as the whole milliseconds librdkafka's timeouts take (sub-second parts kept).
    var librdkafkaMilliseconds: Int32 {
        Int32(clamping: components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000)
    }
}
