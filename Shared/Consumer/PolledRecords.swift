import Kafka

/// One poll of the group consumer, its records already verified and read (``EventDecoder``):
/// what the loop feeds ``PartitionStates``, possibly read ahead while the previous batch's
/// transaction ran.
struct PolledRecords: Sendable {
    var records: [PendingRecord] = []
    var rebalances: [RebalanceEvent] = []
    var errors: [KafkaError] = []
    /// How many of `records` came before the first of `rebalances` (see
    /// ``KafkaConsumerBatch/messagesBeforeRebalances``).
    var recordsBeforeRebalances = 0
}
