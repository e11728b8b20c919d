import Foundation

/// A record read through ``EventContract/read(key:value:)``: the event and the values its
/// checks already parsed (the id, the time, the user, a heartbeat's watermark), so a reader
/// never parses them a second time.
public struct ReadEvent: Sendable {
    public let event: ContractEvent
    public let id: UUID
    public let time: Date
    /// `data.userId`; `nil` for a heartbeat.
    public let userID: UUID?
    /// A heartbeat's `data.watermark`; `nil` for a user event.
    public let watermark: Date?
    /// The trace the event continues (its `traceparent` and `tracestate`); `nil` when it
    /// has none or a malformed one, and for heartbeats.
    public let traceContext: TraceContext?
}
