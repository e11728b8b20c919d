import Events
import Foundation

/// A `user-events` record decoded into what projections need.
public struct ConsumedEvent: Sendable, Equatable {
    /// What happened to the user.
    public enum Change: Sendable, Equatable {
        /// The whole profile after a create, update or patch.
        case profileUpdated(name: String, email: String, bio: String, changedFields: [ProfileField])
        case deleted
    }

    /// The CloudEvent id: the dedup key.
    public let id: UUID
    public let userID: UUID
    /// The user's version after the change.
    public let version: Int64
    /// When the change was committed (the CloudEvent `time`).
    public let time: Date
    public let change: Change
    public let partition: Int32
    public let offset: Int64
    /// A repair event (`repair: true`): applied when its version is at least the stored one,
    /// never counted as a profile update.
    public let isRepair: Bool
    /// The trace the event continues (its `traceparent`): the apply's span is its child.
    public let trace: TraceContext?

    public init(
        id: UUID, userID: UUID, version: Int64, time: Date, change: Change, partition: Int32, offset: Int64, isRepair: Bool = false,
        trace: TraceContext? = nil
    ) {
        self.isRepair = isRepair
        self.trace = trace
        self.id = id
        self.userID = userID
        self.version = version
        self.time = time
        self.change = change
        self.partition = partition
        self.offset = offset
    }

    /// The CloudEvent `type`.
    public var type: EventType {
        switch change {
        case .profileUpdated: .userProfileUpdated
        case .deleted: .userDeleted
        }
    }
}
