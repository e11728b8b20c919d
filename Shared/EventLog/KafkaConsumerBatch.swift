/// What one poll returned: records in partition order, plus any rebalances and
/// consumer errors that happened while polling.
public struct KafkaConsumerBatch: Sendable {
    public var messages: [KafkaConsumerMessage] = []
    public var rebalances: [RebalanceEvent] = []
    public var errors: [KafkaError] = []

    public init(messages: [KafkaConsumerMessage] = [], rebalances: [RebalanceEvent] = [], errors: [KafkaError] = []) {
        self.messages = messages
        self.rebalances = rebalances
        self.errors = errors
    }
}
