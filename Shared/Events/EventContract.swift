import Foundation

/// The one place that says what a valid `user-events` record is. user-service builds
/// its events from the types beside this one; every consumer reads records through
/// ``decode(key:value:)`` after ``RecordSignature/verify(key:value:keyID:signature:keys:)``,
/// and the rules here are the HTTP API's own (``ProfileRules``, ``EventVersion``).
///
/// A record is valid when it is a CloudEvents 1.0 JSON envelope from ``source`` of a
/// known type, with an `id` that is a UUID and an RFC 3339 `time`, and:
/// - for a user event: key = `subject` = `data.userId` (a UUID), `data.version` in
///   1…2^53−1, and, for `UserProfileUpdated`, fields within ``ProfileRules`` and
///   `changedFields` a set of known fields;
/// - for a `Heartbeat`: key `heartbeat` and an RFC 3339 `data.watermark`.
///
/// Unknown attributes and fields are ignored: producers may add them.
public enum EventContract {
    /// The CloudEvents `source` of every event user-service publishes.
    public static let source = "/user-service"

    /// One decoder for every record: `decode` only reads its options, so it may be shared.
    private static let decoder = JSONDecoder()

    /// The record as one of the contract's events, or the rule it breaks.
    public static func decode(key: [UInt8]?, value: [UInt8]) throws(EventRejection) -> ContractEvent {
        try read(key: key, value: value).event
    }

    /// As ``decode(key:value:)``, with the values the checks parsed on the way.
    public static func read(key: [UInt8]?, value: [UInt8]) throws(EventRejection) -> ReadEvent {
        // One pass over the JSON: the envelope reads `type` first and decodes the rest as that type's event.
        let envelope: TypedEnvelope
        do {
            envelope = try decoder.decode(TypedEnvelope.self, from: Data(value))
        } catch let problem as TypedEnvelope.TypeProblem {
            switch problem {
            case .missing: throw EventRejection(.notCloudEvent, "type is missing")
            case .unknown(let name): throw EventRejection(.unknownType, "\"\(name.prefix(100))\"")
            }
        } catch {
            throw rejection(for: error, valueSize: value.count)
        }
        switch envelope {
        case .profileUpdated(let event):
            let checked = try checkUserEvent(event, key: key, userID: event.data.userId, version: event.data.version)
            do {
                try ProfileRules.validate(name: event.data.name, email: event.data.email, bio: event.data.bio)
            } catch {
                throw EventRejection(.fieldRule, "data.\(error.field.rawValue): \(error.message)")
            }
            guard Set(event.data.changedFields).count == event.data.changedFields.count else {
                throw EventRejection(.invalidData, "data.changedFields names a field twice")
            }
            return ReadEvent(event: .profileUpdated(event), id: checked.id, time: checked.time, userID: checked.user, watermark: nil)
        case .deleted(let event):
            let checked = try checkUserEvent(event, key: key, userID: event.data.userId, version: event.data.version)
            return ReadEvent(event: .deleted(event), id: checked.id, time: checked.time, userID: checked.user, watermark: nil)
        case .heartbeat(let event):
            let checked = try checkEnvelope(event)
            guard key == Array(HeartbeatData.key.utf8) else {
                throw EventRejection(.keyMismatch, "a Heartbeat's key must be \"\(HeartbeatData.key)\"")
            }
            guard let watermark = RFC3339.parse(event.data.watermark) else {
                throw EventRejection(.invalidData, "data.watermark must be an RFC 3339 timestamp")
            }
            return ReadEvent(event: .heartbeat(event), id: checked.id, time: checked.time, userID: nil, watermark: watermark)
        }
    }

    /// The rule a decoding error breaks: not JSON (or not an object) at the top, else the
    /// envelope's or the data's shape, naming the path.
    private static func rejection(for error: any Error, valueSize: Int) -> EventRejection {
        switch error {
        case let DecodingError.keyNotFound(key, context):
            let path = (context.codingPath + [key]).map(\.stringValue).joined(separator: ".")
            return EventRejection(path.hasPrefix("data.") ? .invalidData : .notCloudEvent, "\(path) is missing")
        case let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context), let DecodingError.dataCorrupted(context):
            let path = context.codingPath.map(\.stringValue)
            guard !path.isEmpty, path != ["type"] else {
                return EventRejection(.notJSON, "the value is not a JSON object (\(valueSize) bytes)")
            }
            let joined = path.joined(separator: ".")
            return EventRejection(joined.hasPrefix("data") ? .invalidData : .notCloudEvent, "\(joined): \(context.debugDescription)")
        default:
            return EventRejection(.notCloudEvent, "\(error)")
        }
    }

    /// The envelope's rules; returns the id and time it parsed.
    private static func checkEnvelope<Payload>(_ event: CloudEvent<Payload>) throws(EventRejection) -> (id: UUID, time: Date) {
        guard event.specversion == "1.0" else { throw EventRejection(.notCloudEvent, "specversion must be \"1.0\"") }
        guard let id = UUID(uuidString: event.id) else { throw EventRejection(.notCloudEvent, "id must be a UUID") }
        guard event.source == source else {
            throw EventRejection(.unknownSource, "source is \"\(event.source.prefix(100))\", not \"\(source)\"")
        }
        guard let time = RFC3339.parse(event.time) else { throw EventRejection(.notCloudEvent, "time must be an RFC 3339 timestamp") }
        return (id, time)
    }

    /// A user event's rules; returns the id, time and user it parsed.
    private static func checkUserEvent<Payload>(
        _ event: CloudEvent<Payload>, key: [UInt8]?, userID: String, version: Int64
    ) throws(EventRejection) -> (id: UUID, time: Date, user: UUID) {
        let envelope = try checkEnvelope(event)
        guard let user = UUID(uuidString: userID) else { throw EventRejection(.invalidData, "data.userId must be a UUID") }
        guard let subject = event.subject, UUID(uuidString: subject) == user else {
            throw EventRejection(.subjectMismatch, "subject \(event.subject.map { "\"\($0.prefix(100))\"" } ?? "is missing"), data.userId \"\(userID)\"")
        }
        guard let key, let keyText = String(validating: key, as: UTF8.self), UUID(uuidString: keyText) == user else {
            throw EventRejection(.keyMismatch, "the record key is not the subject \(user.uuidString.lowercased())")
        }
        do {
            _ = try EventVersion.checked(version)
        } catch {
            throw EventRejection(.versionOutOfRange, "data.version \(version) is outside 1…\(EventVersion.maximum) (2^53−1)")
        }
        return (envelope.id, envelope.time, user)
    }
}
