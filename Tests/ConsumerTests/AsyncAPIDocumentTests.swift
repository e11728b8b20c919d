import Consumer
import Events
import Foundation
import Testing
import TestSupport

/// asyncapi.yaml through `scripts/lib/check_asyncapi.py` (the official AsyncAPI 3.0.0 JSON
/// Schema, `$ref`s, examples), and the names it must keep.
@Suite(
    "asyncapi.yaml is a valid AsyncAPI 3.0 document of the topics",
    .enabled(if: Python.canImport(["yaml", "jsonschema", "rfc3339_validator", "rfc3986_validator"]), "jsonschema or PyYAML is not installed (install_python_tools)")
)
struct AsyncAPIDocumentTests {
    static let document = Python.repositoryRoot.appendingPathComponent("asyncapi.yaml")

    @Test
    func theDocumentIsValid() throws {
        let result = try Python.run(["scripts/lib/check_asyncapi.py", Self.document.path])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("valid against the official AsyncAPI 3.0.0 JSON Schema"), "\(result.output)")
    }

    /// The checker rejects a broken copy, each breakage at its own stage.
    @Test(arguments: [
        ("    action: send\n", "    action: publish\n", "'publish' is not one of ['send', 'receive']"),
        ("        partitions: 6\n", "        partitions: six\n", "'six' is not of type 'integer'"),
        ("#/components/messages/UserDeleted'", "#/components/messages/UserRemoved'", "does not resolve"),
        ("'./schemas/heartbeat.json'", "'./schemas/heart-beat.json'", "does not resolve"),
        ("            dlq-attempts: '1'\n", "            dlq-attempts: 'once'\n", "dlq-attempts: 'once' does not match"),
    ])
    func aBrokenDocumentIsRejected(_ breakage: (original: String, broken: String, reason: String)) throws {
        let text = try String(contentsOf: Self.document, encoding: .utf8)
        #expect(text.contains(breakage.original))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("asyncapi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.copyItem(at: Python.repositoryRoot.appendingPathComponent("schemas"), to: directory.appendingPathComponent("schemas"))
        let broken = directory.appendingPathComponent("asyncapi.yaml")
        try text.replacingOccurrences(of: breakage.original, with: breakage.broken).write(to: broken, atomically: true, encoding: .utf8)

        let result = try Python.run(["scripts/lib/check_asyncapi.py", broken.path])
        #expect(result.status == 1, "\(result.output)")
        #expect(result.output.contains(breakage.reason), "\(result.output)")
    }

    /// The topics, groups and headers the contract names, as the code has them.
    @Test
    func theDocumentNamesWhatTheCodeUses() throws {
        let text = try String(contentsOf: Self.document, encoding: .utf8)
        var names = ["user-events"] + EventType.allCases.flatMap { [$0.rawValue, $0.dataschema, "./schemas/\($0.schemaName).json"] }
        for group in ["analytics-service", "search-service"] {
            names += [DeadLetter.topic(for: "user-events", group: group), "const: \(group)"]
        }
        names += [
            DeadLetter.originalTopicHeader, DeadLetter.originalPartitionHeader, DeadLetter.originalOffsetHeader, DeadLetter.errorClassHeader,
            DeadLetter.errorHeader, DeadLetter.attemptsHeader, DeadLetter.failedAtHeader, DeadLetter.consumerGroupHeader,
            CloudEvent<HeartbeatData>.contentType, "const: \(HeartbeatData.key)", "repair:",
        ]
        for name in names {
            #expect(text.contains(name), "asyncapi.yaml does not mention \(name)")
        }
    }
}
