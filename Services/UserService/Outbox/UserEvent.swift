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

    static let source = EventContract.source

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

    /// The CloudEvent of a user write, as the JSON `envelope` that the write's own
    /// statement completes with its `time` and `data` (``profileUpdatedCompletionSQL(of:)``,
    /// ``deletedCompletionSQL(of:)``):
    /// those are only known once the statement holds the user's row lock — the new
    /// version, the fields that changed, and the time, taken inside the transaction
    /// so that it is never before the transaction's start, which the relay's freshness
    /// watermark relies on (it covers a row once no transaction older than the row's
    /// time is open). `time` and `data` here are placeholders that the completion replaces.
    static func envelope(id: UUID, type: EventType, userID: UUID, correlationID: String) throws -> String {
        let event = CloudEvent(
            id: id.uuidString.lowercased(), source: source, type: type.rawValue, dataschema: type.dataschema,
            subject: userID.uuidString.lowercased(), time: "", correlationid: correlationID, data: [String: String]()
        )
        return String(decoding: try event.encoded(), as: UTF8.self)
    }

    /// SQL for a `jsonb` object with the `time` and `data` of a `UserProfileUpdated`, from
    /// the columns of `row`: `id`, `version`, `name`, `email`, `bio`, `fields` (the changed
    /// fields, a `text[]`) and `time` (a `timestamptz` in whole milliseconds).
    /// `envelope::jsonb || completion` is the event; the keys are ``UserProfileUpdatedData``'s.
    static func profileUpdatedCompletionSQL(of row: String) -> String {
        typealias Key = UserProfileUpdatedData.CodingKeys
        let data: [(Key, String)] = [
            (.userId, "\(row).id::text"), (.version, "\(row).version"), (.name, "\(row).name"), (.email, "\(row).email"),
            (.bio, "\(row).bio"), (.changedFields, "to_jsonb(\(row).fields)"),
        ]
        return completionSQL(of: row, data: data.map { ($0.0.stringValue, $0.1) })
    }

    /// As ``profileUpdatedCompletionSQL(of:)`` for a `UserDeleted` (columns `id`, `version`, `time`).
    static func deletedCompletionSQL(of row: String) -> String {
        typealias Key = UserDeletedData.CodingKeys
        let data: [(Key, String)] = [(.userId, "\(row).id::text"), (.version, "\(row).version")]
        return completionSQL(of: row, data: data.map { ($0.0.stringValue, $0.1) })
    }

    /// `jsonb_build_object('time', …, 'data', jsonb_build_object(<key>, <expression>, …))`, the keys
    /// taken from the contract's `CodingKeys` (they are identifiers of ours, never input).
    private static func completionSQL(of row: String, data: [(key: String, expression: String)]) -> String {
        let members = data.map { "'\($0.key)', \($0.expression)" }.joined(separator: ", ")
        return "jsonb_build_object('\(CloudEvent<UserDeletedData>.CodingKeys.time.stringValue)', \(timeText(row)), "
            + "'\(CloudEvent<UserDeletedData>.CodingKeys.data.stringValue)', jsonb_build_object(\(members)))"
    }

    /// The members of a `UserProfileUpdated`'s `data` that are personal data: the name, email and bio.
    static let personalDataKeys = [UserProfileUpdatedData.CodingKeys.name, .email, .bio].map(\.stringValue)

    /// SQL for the text of the CloudEvent `payload` (a text column) without ``personalDataKeys``
    /// in its `data`: what a deleted user's published `UserProfileUpdated` keeps (its id,
    /// type, time, user id, version and changed fields).
    static func withoutPersonalDataSQL(of payload: String) -> String {
        let data = CloudEvent<UserDeletedData>.CodingKeys.data.stringValue
        return "(" + personalDataKeys.reduce("\(payload)::jsonb") { "\($0) #- '{\(data),\($1)}'" } + ")::text"
    }

    /// SQL that is true when the CloudEvent `payload` still has one of ``personalDataKeys`` in its `data`.
    static func hasPersonalDataSQL(of payload: String) -> String {
        let data = CloudEvent<UserDeletedData>.CodingKeys.data.stringValue
        return "(\(payload)::jsonb -> '\(data)') ?| ARRAY[\(personalDataKeys.map { "'\($0)'" }.joined(separator: ", "))]"
    }

    /// SQL for a `jsonb` object with only the `time` of `row.time`: for events whose `data`
    /// Swift already knows (the snapshot's), so that their time is the statement's too.
    static func timeCompletionSQL(of row: String) -> String {
        "jsonb_build_object('time', \(timeText(row)))"
    }

    /// `row.time` as RFC 3339 in UTC with milliseconds, as ``RFC3339/format(_:)`` writes it.
    private static func timeText(_ row: String) -> String {
        "to_char(\(row).time AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"
    }

    /// SQL for the time of a write: now, down to whole milliseconds as events carry it. It is
    /// the clock when the statement evaluates it, after the row lock: later than the
    /// transaction's start and than the previous write of the same user.
    static let timeSQL = "date_trunc('milliseconds', clock_timestamp())"
}
