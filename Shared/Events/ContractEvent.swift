/// A `user-events` record read through the contract (``EventContract/decode(key:value:)``):
/// one of the three event types with its typed payload, every rule already checked.
public enum ContractEvent: Sendable, Equatable {
    case profileUpdated(CloudEvent<UserProfileUpdatedData>)
    case deleted(CloudEvent<UserDeletedData>)
    case heartbeat(CloudEvent<HeartbeatData>)
}
