import Events
import Foundation
import Kafka

/// Turns record bytes into a ``ConsumedEvent``, or says exactly why it cannot.
///
/// Unknown fields are ignored (the contract lets producers add them); what a
/// projection relies on is checked: the CloudEvents envelope, a known `type`,
/// `id` and `data.userId` as UUIDs, `subject` equal to `data.userId`, a
/// positive `data.version`, an RFC 3339 `time`. A `Heartbeat` carries an RFC
/// 3339 `data.watermark`; one that cannot be read is still a heartbeat (never
/// poison), just without a watermark.
public enum EventDecoder {
    private struct Envelope: Decodable {
        var specversion: String?
        var id: String?
        var source: String?
        var type: String?
        var time: String?
        var subject: String?
        var repair: Bool?
        var data: Payload?
    }

    private struct Payload: Decodable {
        var watermark: String?
        var userId: String?
        var version: Int64?
        var name: String?
        var email: String?
        var bio: String?
        var changedFields: [String]?
    }

    /// A record as the consumer treats it: an event, a heartbeat, or poison.
    public static func decodeRecord(_ message: KafkaConsumerMessage) -> DecodedRecord {
        do {
            return try decodeAny(message)
        } catch {
            return .poison(error)
        }
    }

    /// A user event; a heartbeat or poison is an error.
    public static func decode(_ message: KafkaConsumerMessage) throws(PermanentEventError) -> ConsumedEvent {
        switch try decodeAny(message) {
        case .event(let event): return event
        case .heartbeat: throw PermanentEventError("a Heartbeat is not a user event")
        case .poison(let error): throw error
        }
    }

    private static func decodeAny(_ message: KafkaConsumerMessage) throws(PermanentEventError) -> DecodedRecord {
        guard (try? JSONSerialization.jsonObject(with: Data(message.value))) is [String: Any] else {
            throw PermanentEventError("value is not a JSON object (\(message.value.count) bytes)")
        }
        let envelope: Envelope
        do {
            envelope = try JSONDecoder().decode(Envelope.self, from: Data(message.value))
        } catch {
            throw PermanentEventError("not a CloudEvent: \(Self.describe(error))")
        }
        guard envelope.specversion == "1.0" else { throw PermanentEventError("not a CloudEvent: specversion must be \"1.0\"") }
        guard let idText = envelope.id, let id = UUID(uuidString: idText) else { throw PermanentEventError("not a CloudEvent: id must be a UUID") }
        guard let source = envelope.source, !source.isEmpty else { throw PermanentEventError("not a CloudEvent: source is missing") }
        guard let typeName = envelope.type else { throw PermanentEventError("not a CloudEvent: type is missing") }
        guard let type = EventType(rawValue: typeName) else { throw PermanentEventError("unknown event type \"\(typeName)\"") }
        guard let timeText = envelope.time, let time = RFC3339.parse(timeText) else { throw PermanentEventError("time must be an RFC 3339 timestamp") }
        guard let data = envelope.data else { throw PermanentEventError("data is missing") }
        switch type {
        case .heartbeat:
            return .heartbeat(watermark: data.watermark.flatMap(RFC3339.parse))
        case .userDeleted:
            return .event(try userEvent(id: id, time: time, envelope: envelope, data: data, change: .deleted, message: message))
        case .userProfileUpdated:
            guard let name = data.name, let email = data.email else { throw PermanentEventError("data.name and data.email are required") }
            let change = ConsumedEvent.Change.profileUpdated(name: name, email: email, bio: data.bio ?? "", changedFields: data.changedFields ?? [])
            return .event(try userEvent(id: id, time: time, envelope: envelope, data: data, change: change, message: message))
        }
    }

    private static func userEvent(
        id: UUID, time: Date, envelope: Envelope, data: Payload, change: ConsumedEvent.Change, message: KafkaConsumerMessage
    ) throws(PermanentEventError) -> ConsumedEvent {
        let subject = envelope.subject
        guard let userText = data.userId else { throw PermanentEventError("data.userId is missing") }
        guard let userID = UUID(uuidString: userText) else { throw PermanentEventError("data.userId must be a UUID") }
        if let subject, UUID(uuidString: subject) != userID {
            throw PermanentEventError("subject does not match data.userId")
        }
        guard let version = data.version else { throw PermanentEventError("data.version is missing") }
        guard version >= 1 else { throw PermanentEventError("data.version must be at least 1") }
        return ConsumedEvent(
            id: id, userID: userID, version: version, time: time, change: change, partition: message.partition, offset: message.offset,
            isRepair: envelope.repair == true
        )
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
             DecodingError.keyNotFound(_, let context), DecodingError.dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        default:
            return "\(error)"
        }
    }
}
