import Events

/// The typed event of each kind, and the attributes every kind has, so a test can filter and
/// compare events without a `switch` each time.
extension ContractEvent {
    /// The `UserProfileUpdated` event, or `nil` for another kind.
    public var profileUpdated: CloudEvent<UserProfileUpdatedData>? {
        switch self {
        case .profileUpdated(let event): event
        case .deleted, .heartbeat: nil
        }
    }

    /// The `UserDeleted` event, or `nil` for another kind.
    public var deleted: CloudEvent<UserDeletedData>? {
        switch self {
        case .deleted(let event): event
        case .profileUpdated, .heartbeat: nil
        }
    }

    /// The `Heartbeat` event, or `nil` for another kind.
    public var heartbeat: CloudEvent<HeartbeatData>? {
        switch self {
        case .heartbeat(let event): event
        case .profileUpdated, .deleted: nil
        }
    }

    /// The `type` attribute.
    public var type: String {
        switch self {
        case .profileUpdated(let event): event.type
        case .deleted(let event): event.type
        case .heartbeat(let event): event.type
        }
    }

    /// The `repair` extension attribute (`nil` when absent).
    public var repair: Bool? {
        switch self {
        case .profileUpdated(let event): event.repair
        case .deleted(let event): event.repair
        case .heartbeat(let event): event.repair
        }
    }
}
