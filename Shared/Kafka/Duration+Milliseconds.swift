import AsyncPrimitives

extension Duration {
    /// The duration as the `int` milliseconds librdkafka's time-outs take (rounded down, clamped).
    var librdkafkaMilliseconds: Int32 { Int32(clamping: wholeMilliseconds) }
}
