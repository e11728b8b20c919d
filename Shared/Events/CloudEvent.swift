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
    public var data: Payload

    public init(
        id: String, source: String, type: String, dataschema: String? = nil, subject: String?, time: String, correlationid: String?,
        repair: Bool? = nil, data: Payload
    ) {
        self.repair = repair
        self.id = id
        self.source = source
        self.type = type
        self.dataschema = dataschema
        self.subject = subject
        self.time = time
        self.correlationid = correlationid
        self.data = data
    }

    /// The JSON bytes published as the record value.
    public func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return Array(try encoder.encode(self))
    }
}

extension CloudEvent {
    /// The `content-type` header value of structured-mode CloudEvents.
    public static var contentType: String { "application/cloudevents+json" }
}
