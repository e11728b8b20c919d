import Foundation
import Kafka

/// Records the relay has handed to the producer, as ``RelayStateMachine`` keeps them: a batch
/// of outbox rows, or a heartbeat round (one record per partition), and, once every delivery
/// report is in, their results.
struct InFlightBatch: Sendable {
    /// Given by ``RelayStateMachine`` in sending order; the loop keeps the batch's
    /// `PendingDeliveries` under it.
    typealias ID = Int

    enum Content: Sendable {
        case rows([OutboxRow])
        case heartbeats(watermark: Date)
    }

    let id: ID
    let content: Content
    /// When it was handed to the producer.
    let sentAt: ContinuousClock.Instant
    /// One result per record, in the order sent; `nil` until every report is in.
    var results: [Result<KafkaDeliveryReport, KafkaError>]?

    var isHeartbeats: Bool {
        if case .heartbeats = content { true } else { false }
    }

    /// The outbox rows in this batch (none for heartbeats).
    var rowIDs: [Int64] {
        if case .rows(let rows) = content { rows.map(\.id) } else { [] }
    }
}
