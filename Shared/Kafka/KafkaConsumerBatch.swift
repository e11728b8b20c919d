/// What one poll returned: records in partition order, plus any rebalances and
/// consumer errors that happened while polling.
public struct KafkaConsumerBatch: Sendable {
    public var messages: [KafkaConsumerMessage] = []
    public var rebalances: [RebalanceEvent] = []
    public var errors: [KafkaError] = []
    /// How many of `messages` were returned before the first of `rebalances` (all of them
    /// when there was none). The rest came after it: after a revocation nothing is fetched
    /// until the next assignment, so they belong to the new assignment, read from the
    /// group's committed offsets.
    public var messagesBeforeRebalances = 0
}
