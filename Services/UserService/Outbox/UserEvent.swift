import Events
import Foundation

/// An event about to be written to the outbox: its id, type, user and JSON document,
/// the CloudEvent that the relay publishes as it is. ``UserStore`` builds one per state change.
struct UserEvent: Sendable {
    let id: UUID
    let type: EventType
    let userID: UUID
    /// The CloudEvent `time`, also the outbox row's `created_at`: the relay's heartbeat
    /// watermark is compared with exactly what consumers see.
    let time: Date
    let payload: String

    static let source = "/user-service"

    static func profileUpdated(_ user: User, changedFields: [ProfileField], correlationID: String, repair: Bool = false) throws -> UserEvent {
        let id = UUID()
        let data = UserProfileUpdatedData(
            userId: user.id.uuidString.lowercased(), version: user.version, name: user.name, email: user.email,
            bio: user.bio, changedFields: changedFields.sorted()
        )
        let event = CloudEvent(
            id: id.uuidString.lowercased(), source: source, type: EventType.userProfileUpdated.rawValue,
            dataschema: EventType.userProfileUpdated.dataschema, subject: data.userId,
            time: RFC3339.format(user.updatedAt), correlationid: correlationID, repair: repair ? true : nil, data: data
        )
        return UserEvent(
            id: id, type: .userProfileUpdated, userID: user.id, time: user.updatedAt, payload: String(decoding: try event.encoded(), as: UTF8.self)
        )
    }

    static func deleted(userID: UUID, version: Int64, at time: Date, correlationID: String, repair: Bool = false) throws -> UserEvent {
        let id = UUID()
        let data = UserDeletedData(userId: userID.uuidString.lowercased(), version: version)
        let event = CloudEvent(
            id: id.uuidString.lowercased(), source: source, type: EventType.userDeleted.rawValue,
            dataschema: EventType.userDeleted.dataschema, subject: data.userId,
            time: RFC3339.format(time), correlationid: correlationID, repair: repair ? true : nil, data: data
        )
        return UserEvent(id: id, type: .userDeleted, userID: userID, time: time, payload: String(decoding: try event.encoded(), as: UTF8.self))
    }
}
