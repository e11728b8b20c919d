import Foundation

/// One unpublished outbox row.
struct OutboxRow: Sendable {
    let id: Int64
    let aggregateID: UUID
    let payload: String
    let createdAt: Date
}
