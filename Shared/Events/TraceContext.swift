/// A W3C Trace Context (`traceparent`, `tracestate`): where an event's trace continues.
///
/// It travels as the CloudEvents distributed-tracing extension attributes of the same
/// names, inside the signed value, so only user-service can set it. A `traceparent` that is
/// not the W3C form is not a reason to refuse an event: the reader ignores it (``init(traceparent:tracestate:)``
/// answers `nil`) and the consumer's span starts a trace of its own, as W3C asks of a
/// malformed header. Heartbeats carry none.
public struct TraceContext: Sendable, Equatable {
    /// `version-traceid-parentid-flags`, lower-case hex: `00-<32>-<16>-<2>`.
    public let traceparent: String
    /// Vendor-specific entries; `nil` when empty.
    public let tracestate: String?

    /// The longest `tracestate` kept (W3C: 32 entries, propagators may cut at 512 characters).
    public static let maximumStateLength = 512

    /// `nil` unless `traceparent` is a W3C `traceparent` whose trace and parent ids are not
    /// all zero; a `tracestate` longer than ``maximumStateLength`` or with characters outside
    /// printable ASCII is dropped (the parent is kept).
    public init?(traceparent: String, tracestate: String? = nil) {
        guard Self.isValid(traceparent: traceparent) else { return nil }
        self.traceparent = traceparent
        if let tracestate, !tracestate.isEmpty, tracestate.utf8.count <= Self.maximumStateLength,
            tracestate.utf8.allSatisfy({ (0x20...0x7E).contains($0) })
        {
            self.tracestate = tracestate
        } else {
            self.tracestate = nil
        }
    }

    /// The trace id (32 hex digits).
    public var traceID: Substring { traceparent.dropFirst(3).prefix(32) }
    /// The id of the span the next one continues (16 hex digits).
    public var parentSpanID: Substring { traceparent.dropFirst(36).prefix(16) }

    /// The W3C form of version 00 (and of later versions, which may append fields after the flags).
    static func isValid(traceparent: String) -> Bool {
        var traceparent = traceparent
        return traceparent.withUTF8 { isValid(bytes: $0) }
    }

    private static func isValid(bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count == 55 || (bytes.count > 55 && bytes[55] == UInt8(ascii: "-")) else { return false }
        func hex(_ range: Range<Int>) -> Bool {
            bytes[range].allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
        }
        func zero(_ range: Range<Int>) -> Bool { bytes[range].allSatisfy { $0 == UInt8(ascii: "0") } }
        guard hex(0..<2), bytes[2] == UInt8(ascii: "-"), hex(3..<35), bytes[35] == UInt8(ascii: "-"), hex(36..<52),
            bytes[52] == UInt8(ascii: "-"), hex(53..<55)
        else { return false }
        // Version ff is invalid; version 00 has exactly 55 characters.
        guard !(bytes[0] == UInt8(ascii: "f") && bytes[1] == UInt8(ascii: "f")) else { return false }
        if bytes[0] == UInt8(ascii: "0"), bytes[1] == UInt8(ascii: "0"), bytes.count != 55 { return false }
        return !zero(3..<35) && !zero(36..<52)
    }
}
