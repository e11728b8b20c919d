import Events
import Foundation
import Kafka

/// Turns a record into what the consumer does with it: verify its signature first
/// (``RecordSignature``), then read it through the contract (``EventContract``).
///
/// - A user event that verifies and keeps every rule is an ``DecodedRecord/event(_:)``.
/// - Anything else is ``DecodedRecord/poison(_:)``: a dead letter whose reason names the
///   rule broken (`unauthenticated: …`, `key does not match subject: …`). It is never
///   applied, never recorded in `processed_events` (a forged copy of a real event id
///   cannot shadow the real event) and never counted as an event.
/// - A heartbeat that verifies and is valid gives its watermark; one that does not
///   (unsigned, forged, unreadable) is ``DecodedRecord/ignoredHeartbeat(_:)``: logged,
///   never dead-lettered, never used as a watermark. A record counts as a heartbeat by
///   its key, so an unauthenticated record keyed `heartbeat` is ignored, not dead-lettered.
public struct EventDecoder: Sendable {
    let keys: EventVerifyKeys

    public init(keys: EventVerifyKeys) {
        self.keys = keys
    }

    /// A record as the consumer treats it.
    public func decodeRecord(_ message: KafkaConsumerMessage) -> DecodedRecord {
        let isHeartbeat = message.key == Self.heartbeatKey
        var verified = false
        do throws(EventRejection) {
            try RecordSignature.verify(
                key: message.key, value: message.value, keyID: message.headers.string(named: RecordSignature.keyIDHeader),
                signature: message.headers.string(named: RecordSignature.signatureHeader), keys: keys
            )
            verified = true
            let read = try EventContract.read(key: message.key, value: message.value)
            switch read.event {
            case .heartbeat:
                guard let watermark = read.watermark else { throw EventRejection(.invalidData, "data.watermark is missing") }
                return .heartbeat(watermark: watermark)
            case .profileUpdated(let event):
                let data = event.data
                return .event(try Self.consumed(
                    read, version: data.version, repair: event.repair, message: message,
                    change: .profileUpdated(name: data.name, email: data.email, bio: data.bio, changedFields: data.changedFields)
                ))
            case .deleted(let event):
                return .event(try Self.consumed(read, version: event.data.version, repair: event.repair, message: message, change: .deleted))
            }
        } catch {
            if isHeartbeat { return .ignoredHeartbeat(error) }
            var poison = PermanentEventError(error.description)
            if verified { poison.trace = EventContract.traceContext(in: message.value) }
            return .poison(poison)
        }
    }

    private static let heartbeatKey = Array(HeartbeatData.key.utf8)

    /// The event as projections see it, from the values the contract already parsed.
    private static func consumed(
        _ read: ReadEvent, version: Int64, repair: Bool?, message: KafkaConsumerMessage, change: ConsumedEvent.Change
    ) throws(EventRejection) -> ConsumedEvent {
        guard let user = read.userID else { throw EventRejection(.invalidData, "data.userId is missing") }
        return ConsumedEvent(
            id: read.id, userID: user, version: version, time: read.time, change: change,
            partition: message.partition, offset: message.offset, isRepair: repair == true, trace: read.traceContext
        )
    }
}
