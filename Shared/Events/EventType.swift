/// The event types on `user-events`.
public enum EventType: String, Sendable, Codable, CaseIterable {
    case userProfileUpdated = "UserProfileUpdated"
    case userDeleted = "UserDeleted"
    /// The relay's freshness mark: every record of the partition created before
    /// `data.watermark` is ahead of it. Not about a user; never deduplicated,
    /// counted or dead-lettered.
    case heartbeat = "Heartbeat"

    /// The CloudEvents `dataschema` of this type: the `$id` of the JSON Schema of its
    /// `data`, the file `schemas/<name>.json` of the repository. It names the schema and
    /// is not meant to be fetched: the `.example` host is reserved and never resolves.
    /// An incompatible change to a schema gets a new file and so a new URI.
    public var dataschema: String {
        "https://event-driven-users.example/schemas/\(schemaName).json"
    }

    /// The schema's file name in `schemas/`, without `.json`.
    public var schemaName: String {
        switch self {
        case .userProfileUpdated: "user-profile-updated"
        case .userDeleted: "user-deleted"
        case .heartbeat: "heartbeat"
        }
    }
}
