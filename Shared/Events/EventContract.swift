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

    /// The record as one of the contract's events, or the rule it breaks.
    public static func decode(key: [UInt8]?, value: [UInt8]) throws(EventRejection) -> ContractEvent {
        try read(key: key, value: value).event
    }

    /// As ``decode(key:value:)``, with the values the checks parsed on the way.
    ///
    /// The record is read in one pass over its bytes (``JSONScanner``): the envelope is
    /// closed, so a general JSON decoder would spend most of a consumer's time on work the
    /// contract does not need (it did: half of each consumer's CPU).
    public static func read(key: [UInt8]?, value: [UInt8]) throws(EventRejection) -> ReadEvent {
        try value.withUnsafeBufferPointer { bytes throws(EventRejection) in
            let scanned = try ScannedEnvelope(bytes)
            if let problem = scanned.problem { throw problem }
            guard let name = scanned[.type] else { throw EventRejection(.notCloudEvent, "type is missing") }
            guard let type = EventType(rawValue: name) else { throw EventRejection(.unknownType, "\"\(name.prefix(100))\"") }
            switch type {
            case .userProfileUpdated:
                let event = try envelope(scanned, type: type, data: UserProfileUpdatedData(
                    userId: scanned.string(.userId), version: scanned.version(.version), name: scanned.string(.name),
                    email: scanned.string(.email), bio: scanned.string(.bio), changedFields: scanned.fields(.changedFields)
                ))
                let checked = try checkUserEvent(event, key: key, userID: event.data.userId, version: event.data.version)
                do throws(FieldRuleViolation) {
                    try ProfileRules.validate(name: event.data.name, email: event.data.email, bio: event.data.bio)
                } catch {
                    throw EventRejection(.fieldRule, "data.\(error.field.rawValue): \(error.message)")
                }
                var named: UInt8 = 0 // a bit per field: no set allocated per record
                guard event.data.changedFields.allSatisfy({ field in
                    let bit: UInt8 = switch field {
                    case .name: 1
                    case .email: 2
                    case .bio: 4
                    }
                    defer { named |= bit }
                    return named & bit == 0
                }) else {
                    throw EventRejection(.invalidData, "data.changedFields names a field twice")
                }
                return ReadEvent(
                    event: .profileUpdated(event), id: checked.id, time: checked.time, userID: checked.user, watermark: nil,
                    traceContext: traceContext(event)
                )
            case .userDeleted:
                let event = try envelope(scanned, type: type, data: UserDeletedData(userId: scanned.string(.userId), version: scanned.version(.version)))
                let checked = try checkUserEvent(event, key: key, userID: event.data.userId, version: event.data.version)
                return ReadEvent(
                    event: .deleted(event), id: checked.id, time: checked.time, userID: checked.user, watermark: nil,
                    traceContext: traceContext(event)
                )
            case .heartbeat:
                let event = try envelope(scanned, type: type, data: HeartbeatData(watermark: scanned.string(.watermark)))
                let checked = try checkEnvelope(event)
                guard key == Array(HeartbeatData.key.utf8) else {
                    throw EventRejection(.keyMismatch, "a Heartbeat's key must be \"\(HeartbeatData.key)\"")
                }
                guard let watermark = RFC3339.parse(event.data.watermark) else {
                    throw EventRejection(.invalidData, "data.watermark must be an RFC 3339 timestamp")
                }
                return ReadEvent(event: .heartbeat(event), id: checked.id, time: checked.time, userID: nil, watermark: watermark, traceContext: nil)
            }
        }
    }

    /// The trace context of an event's attributes, if it has a well-formed one.
    private static func traceContext<Payload>(_ event: CloudEvent<Payload>) -> TraceContext? {
        event.traceparent.flatMap { TraceContext(traceparent: $0, tracestate: event.tracestate) }
    }

    /// The trace context of a record that is JSON but not a valid event (a dead letter's):
    /// only its two attributes are read. `nil` when it has none, or is not JSON.
    public static func traceContext(in value: [UInt8]) -> TraceContext? {
        value.withUnsafeBufferPointer { bytes in
            guard let scanned = try? ScannedEnvelope(bytes), let traceparent = scanned[.traceparent] else { return nil }
            return TraceContext(traceparent: traceparent, tracestate: scanned[.tracestate])
        }
    }

    /// The record value of an event `payload` (a JSON object, as user-service's outbox holds
    /// it) with `context` as its `traceparent` and `tracestate` attributes: the relay adds its
    /// publish span's context this way, without decoding and encoding the event again. The
    /// payload must not have the attributes already (the outbox's never do); one that does not
    /// start with `{` is returned as it is (untraced, never a crash of the relay).
    public static func value(of payload: [UInt8], tracedBy context: TraceContext) -> [UInt8] {
        guard payload.first == UInt8(ascii: "{") else { return payload }
        var value: [UInt8] = []
        value.reserveCapacity(payload.count + 128 + (context.tracestate?.utf8.count ?? 0) * 2)
        value.append(UInt8(ascii: "{"))
        func member(_ key: Attribute, _ text: String) {
            value.append(UInt8(ascii: "\""))
            value.append(contentsOf: key.rawValue.utf8)
            value.append(contentsOf: "\":\"".utf8)
            for byte in text.utf8 {
                // `traceparent` is hex and dashes; `tracestate` is printable ASCII (``TraceContext``).
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { value.append(UInt8(ascii: "\\")) }
                value.append(byte)
            }
            value.append(UInt8(ascii: "\""))
        }
        member(.traceparent, context.traceparent)
        if let state = context.tracestate {
            value.append(UInt8(ascii: ","))
            member(.tracestate, state)
        }
        let rest = payload.dropFirst().drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\n") }
        if rest.first != UInt8(ascii: "}") { value.append(UInt8(ascii: ",")) }
        value.append(contentsOf: rest)
        return value
    }

    private typealias Attribute = CloudEvent<HeartbeatData>.CodingKeys

    /// The envelope around `data` (built after the attributes it requires are checked present, so
    /// a missing attribute is named before any problem of `data`).
    private static func envelope<Payload>(
        _ scanned: ScannedEnvelope, type: EventType, data: @autoclosure () throws(EventRejection) -> Payload
    ) throws(EventRejection) -> CloudEvent<Payload> {
        func required(_ attribute: ScannedEnvelope.Attribute) throws(EventRejection) -> String {
            guard let value = scanned[attribute] else { throw EventRejection(.notCloudEvent, "\(attribute.rawValue) is missing") }
            return value
        }
        let specversion = try required(.specversion)
        let id = try required(.id)
        let source = try required(.source)
        let time = try required(.time)
        guard scanned.hasData else { throw EventRejection(.notCloudEvent, "data is missing") }
        var event = CloudEvent(
            id: id, source: source, type: type.rawValue, dataschema: scanned[.dataschema], subject: scanned[.subject], time: time,
            correlationid: scanned[.correlationid], repair: scanned.repair, traceparent: scanned[.traceparent],
            tracestate: scanned[.tracestate], data: try data()
        )
        event.specversion = specversion
        event.datacontenttype = scanned[.datacontenttype] ?? event.datacontenttype
        return event
    }

    /// The envelope's rules; returns the id and time it parsed.
    private static func checkEnvelope<Payload>(_ event: CloudEvent<Payload>) throws(EventRejection) -> (id: UUID, time: Date) {
        guard event.specversion == "1.0" else { throw EventRejection(.notCloudEvent, "specversion must be \"1.0\"") }
        guard let id = UUID(parsing: event.id) else { throw EventRejection(.notCloudEvent, "id must be a UUID") }
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
        guard let user = UUID(parsing: userID) else { throw EventRejection(.invalidData, "data.userId must be a UUID") }
        guard let subject = event.subject, UUID(parsing: subject) == user else {
            throw EventRejection(.subjectMismatch, "subject \(event.subject.map { "\"\($0.prefix(100))\"" } ?? "is missing"), data.userId \"\(userID)\"")
        }
        guard let key, UUID(parsing: key) == user else {
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
