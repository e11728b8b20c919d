import Foundation

/// A CloudEvents 1.0 structured-mode JSON envelope, as published on `user-events`.
public struct CloudEvent<Payload: Codable & Sendable>: Sendable, Codable {
    public var specversion: String = "1.0"
    /// The event id: also the consumers' dedup key.
    public var id: String
    public var source: String
    public var type: String
    /// The user id (absent on heartbeats).
    public var subject: String?
    /// RFC 3339 UTC with milliseconds.
    public var time: String
    public var datacontenttype: String = "application/json"
    /// The URI of the JSON Schema that `data` follows (``EventType/dataschema``). Absent on
    /// records published before the attribute existed; consumers accept both.
    public var dataschema: String?
    /// The `X-Request-ID` of the request that caused the event.
    public var correlationid: String?
    /// Extension attribute: `true` on repair events (anti-entropy, snapshots), which a
    /// projection applies when their version is at least the stored one; absent otherwise.
    public var repair: Bool?
    /// CloudEvents distributed-tracing extension: the W3C `traceparent` of the span that
    /// published the event (the relay's), which each consumer's apply continues (``TraceContext``).
    /// Absent when the write was not traced; never on heartbeats.
    public var traceparent: String?
    /// CloudEvents distributed-tracing extension: the W3C `tracestate` that goes with ``traceparent``.
    public var tracestate: String?
    public var data: Payload

    public init(
        id: String, source: String, type: String, dataschema: String? = nil, subject: String?, time: String, correlationid: String?,
        repair: Bool? = nil, traceparent: String? = nil, tracestate: String? = nil, data: Payload
    ) {
        self.repair = repair
        self.traceparent = traceparent
        self.tracestate = tracestate
        self.id = id
        self.source = source
        self.type = type
        self.dataschema = dataschema
        self.subject = subject
        self.time = time
        self.correlationid = correlationid
        self.data = data
    }

    /// The envelope's JSON keys (also what user-service's write statements fill in: `time`, `data`).
    public enum CodingKeys: String, CodingKey, CaseIterable, Sendable {
        case specversion, id, source, type, subject, time, datacontenttype, dataschema, correlationid, repair, traceparent, tracestate, data
    }

    /// Reads an envelope as the contract allows it: the optional attributes may be absent,
    /// unknown attributes are ignored; the required ones (`specversion`, `id`, `source`,
    /// `type`, `time`, `data`) must be there with the right types.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        specversion = try container.decode(String.self, forKey: .specversion)
        id = try container.decode(String.self, forKey: .id)
        source = try container.decode(String.self, forKey: .source)
        type = try container.decode(String.self, forKey: .type)
        subject = try container.decodeIfPresent(String.self, forKey: .subject)
        time = try container.decode(String.self, forKey: .time)
        datacontenttype = try container.decodeIfPresent(String.self, forKey: .datacontenttype) ?? "application/json"
        dataschema = try container.decodeIfPresent(String.self, forKey: .dataschema)
        correlationid = try container.decodeIfPresent(String.self, forKey: .correlationid)
        repair = try container.decodeIfPresent(Bool.self, forKey: .repair)
        traceparent = try container.decodeIfPresent(String.self, forKey: .traceparent)
        tracestate = try container.decodeIfPresent(String.self, forKey: .tracestate)
        data = try container.decode(Payload.self, forKey: .data)
    }

    /// The JSON bytes published as the record value.
    public func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return Array(try encoder.encode(self))
    }
}

extension CloudEvent: Equatable where Payload: Equatable {}

extension CloudEvent {
    /// The `content-type` header value of structured-mode CloudEvents.
    public static var contentType: String { "application/cloudevents+json" }
}
