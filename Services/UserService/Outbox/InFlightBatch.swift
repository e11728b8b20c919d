import Foundation
import Kafka

/// Records the relay has handed to the producer and whose delivery reports may still be
/// arriving: a batch of outbox rows, or a heartbeat round (one record per partition).
struct InFlightBatch: Sendable {
    enum Content: Sendable {
        case rows([OutboxRow])
        case heartbeats(watermark: Date)
    }

    let content: Content
    let deliveries: PendingDeliveries
    /// When it was handed to the producer.
    let sentAt: ContinuousClock.Instant = .now

    var isHeartbeats: Bool {
        if case .heartbeats = content { true } else { false }
    }

    /// The outbox rows in this batch (none for heartbeats).
    var rowIDs: [Int64] {
        if case .rows(let rows) = content { rows.map(\.id) } else { [] }
    }
}
