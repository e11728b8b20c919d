import Events
import Foundation
import Kafka

/// CloudEvents as user-service publishes them, built by hand so tests can
/// replay, reorder and corrupt them.
enum TestEvents {
    static func updated(
        _ user: UUID, version: Int64, name: String = "Ada Lovelace", email: String? = nil, bio: String = "",
        changed: [ProfileField] = [.name], id: UUID = UUID(), at time: Date = Date()
    ) -> TestRecord {
        let data = UserProfileUpdatedData(
            userId: user.uuidString.lowercased(), version: version, name: name,
            email: email ?? "\(user.uuidString.prefix(8).lowercased())@example.com", bio: bio, changedFields: changed
        )
        return envelope(user, type: .userProfileUpdated, id: id, time: time, data: data)
    }

    static func deleted(_ user: UUID, version: Int64, id: UUID = UUID()) -> TestRecord {
        envelope(user, type: .userDeleted, id: id, time: Date(), data: UserDeletedData(userId: user.uuidString.lowercased(), version: version))
    }

    /// A relay heartbeat: every record of its partition created before `watermark` is ahead of it.
    static func heartbeat(watermark: Date, id: UUID = UUID()) -> TestRecord {
        let event = CloudEvent(
            id: id.uuidString.lowercased(), source: "/user-service", type: EventType.heartbeat.rawValue, subject: nil,
            time: RFC3339.format(Date()), correlationid: nil, data: HeartbeatData(watermark: RFC3339.format(watermark))
        )
        return TestRecord(key: Array(HeartbeatData.key.utf8), value: try! event.encoded())
    }

    private static func envelope<Payload: Codable & Sendable>(_ user: UUID, type: EventType, id: UUID, time: Date, data: Payload) -> TestRecord {
        let event = CloudEvent(
            id: id.uuidString.lowercased(), source: "/user-service", type: type.rawValue, subject: user.uuidString.lowercased(),
            time: RFC3339.format(time), correlationid: "test", data: data
        )
        return TestRecord(key: Array(user.uuidString.lowercased().utf8), value: try! event.encoded())
    }
}
