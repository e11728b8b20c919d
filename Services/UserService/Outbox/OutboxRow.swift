import Events
import Foundation

/// One unpublished outbox row.
struct OutboxRow: Sendable {
    let id: Int64
    let aggregateID: UUID
    let payload: String
    let createdAt: Date
    /// The context of the write's span (``UserStore``); `nil` for a write that was not traced,
    /// and for repairs and snapshot records.
    var trace: TraceContext? = nil
}
