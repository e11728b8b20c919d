/// The data of a `Heartbeat` event: a source time such that every outbox row
/// created before it has been published to the partition ahead of the heartbeat.
public struct HeartbeatData: Sendable, Codable, Equatable {
    /// RFC 3339 UTC with milliseconds.
    public var watermark: String

    /// The JSON keys of `data`.
    public enum CodingKeys: String, CodingKey, CaseIterable, Sendable {
        case watermark
    }

    public init(watermark: String) {
        self.watermark = watermark
    }

    /// The record key of every heartbeat.
    public static let key = "heartbeat"
}
