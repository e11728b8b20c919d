import CRdKafka
import Logging
import Synchronization

/// State shared between one librdkafka handle and its C callbacks.
///
/// librdkafka calls back from its own threads with the handle's opaque pointer;
/// this object is what that pointer refers to. It is owned by ``RdKafkaClient``,
/// which destroys the handle before releasing it.
final class RdKafkaClientContext: Sendable {
    let logger: Logger
    private let pendingRebalances = Mutex<[RebalanceEvent]>([])

    init(logger: Logger) {
        self.logger = logger
    }

    func recordRebalance(_ event: RebalanceEvent) {
        pendingRebalances.withLock { $0.append(event) }
    }

    /// Returns and forgets the rebalances seen since the last call.
    func drainRebalances() -> [RebalanceEvent] {
        pendingRebalances.withLock { events in
            defer { events.removeAll() }
            return events
        }
    }

    static func from(_ opaque: UnsafeMutableRawPointer?) -> RdKafkaClientContext? {
        guard let opaque else { return nil }
        return Unmanaged<RdKafkaClientContext>.fromOpaque(opaque).takeUnretainedValue()
    }
}
