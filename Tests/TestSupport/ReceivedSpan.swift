/// A span as an OTLP receiver got it: ids in hex, attributes as text.
public struct ReceivedSpan: Sendable, CustomStringConvertible {
    /// OTLP's `SpanKind` numbers.
    public enum Kind: Int, Sendable {
        case unspecified = 0, `internal`, server, client, producer, consumer
    }

    /// The `service.name` of the resource that sent it.
    public let service: String
    public let name: String
    public let kind: Kind
    public let traceID: String
    public let spanID: String
    /// Empty for a root span.
    public let parentSpanID: String
    public let attributes: [String: String]
    /// OTLP's status code: 0 unset, 1 ok, 2 error.
    public let statusCode: Int
    /// The spans it links to: (trace id, span id).
    public let links: [(traceID: String, spanID: String)]

    public var isError: Bool { statusCode == 2 }

    public var description: String {
        "\(service): \(name) [\(kind)] \(spanID) ← \(parentSpanID.isEmpty ? "root" : parentSpanID)"
    }
}
