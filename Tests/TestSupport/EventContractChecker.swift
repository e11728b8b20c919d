import Foundation
import Kafka

/// `scripts/lib/check_events.py`: Kafka records against asyncapi.yaml, the JSON Schemas of
/// `schemas/` and the CloudEvents SDK's Kafka decoder. It reads kcat's JSON lines (`kcat -J`).
public enum EventContractChecker {
    /// Whether the checker's Python packages are installed (`install_python_tools`).
    public static let toolsInstalled = Python.canImport(["yaml", "jsonschema", "rfc3339_validator", "rfc3986_validator", "cloudevents.core.bindings.kafka"])

    /// A record as one `kcat -J` line: topic, partition, offset, key, payload, headers as `[name, value, …]`.
    public static func line(_ message: KafkaConsumerMessage) -> String {
        line(
            topic: message.topic, partition: message.partition, offset: message.offset, key: message.keyString,
            value: String(decoding: message.value, as: UTF8.self), headers: message.headers.map { ($0.name, $0.stringValue ?? "") }
        )
    }

    /// A record built by hand as one `kcat -J` line.
    public static func line(topic: String, partition: Int32, offset: Int64, key: String?, value: String, headers: [(String, String)]) -> String {
        let record: [String: Any] = [
            "topic": topic, "partition": partition, "offset": offset, "key": key ?? NSNull(), "payload": value,
            "headers": headers.flatMap { [$0.0, $0.1] },
        ]
        let data = try! JSONSerialization.data(withJSONObject: record, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    /// Runs the checker on `lines` (written to a temporary file) with `arguments`; its exit status and output.
    public static func check(_ lines: [String], arguments: [String] = []) throws -> (status: Int32, output: String) {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("records-\(UUID().uuidString).jsonl")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        return try Python.run(["scripts/lib/check_events.py"] + arguments + [file.path])
    }
}
