import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// An OTLP/HTTP receiver of the tests' own (JSON encoding, `POST /v1/traces`): it keeps
/// every span the services export to it, so a test can check one trace end to end.
/// Run ``application`` as a service (`withRunningService`); point the services at
/// ``endpoint`` (``TracingSettings/exporting(to:service:exportDelay:)``).
public final class OTLPReceiver: Sendable {
    public let port: Int
    private let received = Mutex<[ReceivedSpan]>([])

    public init() throws {
        port = try freeLocalPort()
    }

    /// The base URL the exporters are given.
    public var endpoint: String { "http://127.0.0.1:\(port)" }

    /// Every span received so far.
    public var spans: [ReceivedSpan] { received.withLock { $0 } }

    /// The spans of one trace (`traceID` in hex).
    public func spans(inTrace traceID: String) -> [ReceivedSpan] {
        spans.filter { $0.traceID == traceID }
    }

    /// The HTTP server; run it for as long as the services export.
    public var application: some ApplicationProtocol {
        let router = Router()
        router.post("/v1/traces") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 64 << 20)
            let spans = try Self.spans(in: Data(body.readableBytesView))
            self.received.withLock { $0.append(contentsOf: spans) }
            return Response(
                status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: "{}"))
            )
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
    }

    /// The spans of an OTLP `ExportTraceServiceRequest` in protobuf's JSON mapping (ids may
    /// be base64, as protobuf maps bytes, or hex, as OTLP's JSON asks: both are read).
    static func spans(in json: Data) throws -> [ReceivedSpan] {
        guard let root = try JSONSerialization.jsonObject(with: json) as? [String: Any] else { throw TestFailure("OTLP body is not an object") }
        var result: [ReceivedSpan] = []
        for resourceSpans in root["resourceSpans"] as? [[String: Any]] ?? [] {
            let resource = attributes(((resourceSpans["resource"] as? [String: Any])?["attributes"]) as? [[String: Any]])
            for scope in resourceSpans["scopeSpans"] as? [[String: Any]] ?? [] {
                for span in scope["spans"] as? [[String: Any]] ?? [] {
                    let links = (span["links"] as? [[String: Any]] ?? []).map { link in
                        (traceID: hex(link["traceId"]), spanID: hex(link["spanId"]))
                    }
                    result.append(ReceivedSpan(
                        service: resource["service.name"] ?? "", name: span["name"] as? String ?? "",
                        kind: ReceivedSpan.Kind(rawValue: span["kind"] as? Int ?? 0) ?? .unspecified,
                        traceID: hex(span["traceId"]), spanID: hex(span["spanId"]), parentSpanID: hex(span["parentSpanId"]),
                        attributes: attributes(span["attributes"] as? [[String: Any]]),
                        statusCode: (span["status"] as? [String: Any])?["code"] as? Int ?? 0, links: links
                    ))
                }
            }
        }
        return result
    }

    private static func attributes(_ list: [[String: Any]]?) -> [String: String] {
        var result: [String: String] = [:]
        for attribute in list ?? [] {
            guard let key = attribute["key"] as? String, let value = attribute["value"] as? [String: Any], let first = value.first else { continue }
            result[key] = "\(first.value)"
        }
        return result
    }

    /// An id in lower-case hex, from base64 or hex; empty when absent.
    private static func hex(_ value: Any?) -> String {
        guard let text = value as? String, !text.isEmpty else { return "" }
        if (text.count == 32 || text.count == 16), text.allSatisfy(\.isHexDigit) { return text.lowercased() }
        guard let bytes = Data(base64Encoded: text) else { return text }
        return bytes.map { String(format: "%02x", $0) }.joined()
    }
}
