/// What one poll returned: records in partition order, plus any rebalances and
/// consumer errors that happened while polling.
public struct KafkaConsumerBatch: Sendable {
    public var messages: [KafkaConsumerMessage] = []
    public var rebalances: [RebalanceEvent] = []
    public var errors: [KafkaError] = []
}
