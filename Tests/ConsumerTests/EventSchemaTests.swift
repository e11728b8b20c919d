import Consumer
import Events
import Foundation
import Kafka
import Testing
import TestSupport

/// The JSON Schemas of `schemas/` against the consumers' decoder, sample by sample: every
/// `data` a schema accepts is one the consumers apply (the schemas are never looser than
/// the consumers). The consumers are more tolerant than the schemas in a few places (a
/// watermark without milliseconds; a name's length counted in characters, the schema's in
/// code points): producers must follow the schema, consumers accept a little more.
@Suite(
    "schemas/ accept only data the consumers apply",
    .enabled(if: Python.canImport(["yaml", "jsonschema", "rfc3339_validator"]), "jsonschema or PyYAML is not installed (install_python_tools)")
)
struct EventSchemaTests {
    struct Sample: Sendable, CustomStringConvertible {
        let type: EventType
        /// The `data` as JSON text, so numbers beyond Int64 and fractions can be written.
        let data: String
        /// What the schema must say.
        let valid: Bool

        var description: String { "\(type.rawValue) \(data)" }
    }

    static let user = "0b6f1c9e-4a57-4f0e-9c1d-2f7d3c1e5a10"

    static let samples: [Sample] = {
        let id = #""userId":"\#(user)""#
        let rest = #""name":"Ada","email":"ada@example.com","bio":"""#
        func updated(_ data: String, _ valid: Bool) -> Sample { Sample(type: .userProfileUpdated, data: data, valid: valid) }
        func deleted(_ data: String, _ valid: Bool) -> Sample { Sample(type: .userDeleted, data: data, valid: valid) }
        func heartbeat(_ data: String, _ valid: Bool) -> Sample { Sample(type: .heartbeat, data: data, valid: valid) }
        return [
            updated(#"{\#(id),"version":1,\#(rest),"changedFields":["name","email","bio"]}"#, true),
            updated(#"{\#(id),"version":3,\#(rest),"changedFields":[]}"#, true),
            updated(#"{\#(id),"version":9007199254740991,"name":"漢字 🧑🏽‍💻","email":"ada@example.com","bio":"two\nlines","changedFields":["bio"]}"#, true),
            updated(#"{\#(id),"version":9007199254740992,\#(rest),"changedFields":[]}"#, false),
            updated(#"{\#(id),"version":9223372036854775807,\#(rest),"changedFields":[]}"#, false),
            updated(#"{\#(id),"version":1,"name":"","email":"ada@example.com","bio":"","changedFields":[]}"#, false),
            updated(#"{\#(id),"version":1,"name":"   ","email":"ada@example.com","bio":"","changedFields":[]}"#, false),
            updated(#"{\#(id),"version":1,"name":"A\u0000da","email":"ada@example.com","bio":"","changedFields":[]}"#, false),
            updated(#"{\#(id),"version":1,"name":"\#(String(repeating: "n", count: 200))","email":"ada@example.com","bio":"","changedFields":[]}"#, true),
            updated(#"{\#(id),"version":1,"name":"\#(String(repeating: "n", count: 201))","email":"ada@example.com","bio":"","changedFields":[]}"#, false),
            updated(#"{\#(id),"version":1,"name":"Ada","email":"","bio":"","changedFields":[]}"#, false),
            updated(#"{\#(id),"version":1,"name":"Ada","email":"not-an-address","bio":"","changedFields":[]}"#, false),
            updated(#"{\#(id),"version":1,"name":"Ada","email":"ada@example.com","bio":"\#(String(repeating: "b", count: 2001))","changedFields":[]}"#, false),
            updated(#"{\#(id),"version":1,"name":"Ada","email":"ada@example.com","bio":"bell \u0007","changedFields":[]}"#, false),
            updated(#"{"userId":"\#(user.uppercased())","version":2,\#(rest),"changedFields":["name"]}"#, true),
            updated(#"{\#(id),"version":2,\#(rest),"changedFields":["bio"],"futureField":{"x":1}}"#, true),
            updated(#"{\#(id),"version":0,\#(rest),"changedFields":[]}"#, false),
            updated(#"{\#(id),"version":-1,\#(rest),"changedFields":[]}"#, false),
            updated(#"{\#(id),"version":"1",\#(rest),"changedFields":[]}"#, false),
            updated(#"{\#(id),"version":1.5,\#(rest),"changedFields":[]}"#, false),
            updated(#"{\#(id),"version":9223372036854775808,\#(rest),"changedFields":[]}"#, false),
            updated(#"{"userId":"nope","version":1,\#(rest),"changedFields":[]}"#, false),
            updated(#"{"userId":"\#(user.dropLast())","version":1,\#(rest),"changedFields":[]}"#, false),
            updated(#"{"version":1,\#(rest),"changedFields":[]}"#, false),
            updated(#"{\#(id),"version":1,"email":"ada@example.com","bio":"","changedFields":[]}"#, false),
            updated(#"{\#(id),"version":1,"name":null,"email":"ada@example.com","bio":"","changedFields":[]}"#, false),
            updated(#"{\#(id),"version":1,"name":"Ada","email":"ada@example.com","bio":5,"changedFields":[]}"#, false),
            updated(#"{\#(id),"version":1,"name":"Ada","email":"ada@example.com","changedFields":[]}"#, false),
            updated(#"{\#(id),"version":1,\#(rest),"changedFields":["age"]}"#, false),
            updated(#"{\#(id),"version":1,\#(rest),"changedFields":["name","name"]}"#, false),
            updated(#"{\#(id),"version":1,\#(rest)}"#, false),
            updated(#"[]"#, false),
            updated(#""Ada""#, false),
            deleted(#"{\#(id),"version":2}"#, true),
            deleted(#"{\#(id),"version":2,"reason":"gdpr"}"#, true),
            deleted(#"{\#(id),"version":0}"#, false),
            deleted(#"{\#(id),"version":9007199254740991}"#, true),
            deleted(#"{\#(id),"version":9007199254740992}"#, false),
            deleted(#"{\#(id)}"#, false),
            deleted(#"{"userId":42,"version":2}"#, false),
            deleted(#"{"version":2}"#, false),
            heartbeat(#"{"watermark":"2026-11-22T14:00:00.123Z"}"#, true),
            heartbeat(#"{"watermark":"2026-11-22T14:00:00.123Z","partition":3}"#, true),
            heartbeat(#"{"watermark":"2026-11-22T14:00:00Z"}"#, false),
            heartbeat(#"{"watermark":"2026-11-22T14:00:00.123+01:00"}"#, false),
            heartbeat(#"{"watermark":"2026-02-30T14:00:00.123Z"}"#, false),
            heartbeat(#"{"watermark":"yesterday"}"#, false),
            heartbeat(#"{"watermark":1764000000}"#, false),
            heartbeat(#"{}"#, false),
        ]
    }()

    /// Whether the consumers apply `sample` inside an otherwise valid, signed record (keyed by the user, a
    /// heartbeat by `heartbeat`).
    static func consumersApply(_ sample: Sample) -> Bool {
        let heartbeat = sample.type == .heartbeat
        let value = Array("""
            {"specversion":"1.0","id":"\(UUID().uuidString.lowercased())","source":"/user-service","type":"\(sample.type.rawValue)",\
            \(heartbeat ? "" : #""subject":"\#(user)","#)"time":"2026-11-22T14:00:00.123Z","data":\(sample.data)}
            """.utf8)
        let key = Array((heartbeat ? "heartbeat" : user).utf8)
        let message = KafkaConsumerMessage(
            topic: "t", partition: 0, offset: 0, key: key, value: value, headers: TestEventKeys.headers(key: key, value: value), timestampMilliseconds: nil
        )
        switch EventDecoder(keys: TestEventKeys.verify).decodeRecord(message) {
        case .event: return !heartbeat
        case .heartbeat: return heartbeat
        case .poison, .ignoredHeartbeat: return false
        }
    }

    @Test
    func everyDataTheSchemasAcceptIsAppliedByTheConsumers() throws {
        let input = "[" + Self.samples.map { #"{"dataschema":"\#($0.type.dataschema)","data":\#($0.data)}"# }.joined(separator: ",") + "]"
        let script = """
            import json, sys
            sys.path.insert(0, "scripts/lib")
            from event_contract import Contract
            contract = Contract()
            samples = json.load(sys.stdin)
            print(json.dumps([contract.data_validator(contract.schemas[s["dataschema"]][1]).is_valid(s["data"]) for s in samples]))
            """
        let result = try Python.run(["-c", script], input: Data(input.utf8))
        #expect(result.status == 0, "\(result.output)")
        let schemaValid = try JSONDecoder().decode([Bool].self, from: Data(result.output.utf8))
        try #require(schemaValid.count == Self.samples.count)
        for (sample, valid) in zip(Self.samples, schemaValid) {
            #expect(valid == sample.valid, "\(sample): the schema says \(valid ? "valid" : "invalid")")
            if valid {
                #expect(Self.consumersApply(sample), "\(sample): the schema accepts it, the consumers do not")
            }
        }
        // The samples cover both verdicts of every schema.
        for type in EventType.allCases {
            #expect(Set(Self.samples.filter { $0.type == type }.map(\.valid)) == [true, false], "\(type)")
        }
    }

    @Test
    func eachEventTypeNamesASchemaFileWhoseIdIsItsDataschema() throws {
        for type in EventType.allCases {
            let file = Python.repositoryRoot.appendingPathComponent("schemas/\(type.schemaName).json")
            let schema = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any], "\(file.path)")
            #expect(schema["$id"] as? String == type.dataschema)
            #expect(schema["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema")
        }
    }
}
