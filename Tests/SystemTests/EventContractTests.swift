import Database
import Events
import Foundation
import HTTPSupport
import Hummingbird
import HummingbirdTesting
import Kafka
import NIOHTTP1
import Observability
import Testing
import TestSupport
@testable import UserService

/// What the relay really puts on `user-events` — creates, replaces, patches, deletes, repair
/// events of both kinds and heartbeats — checked record by record by
/// `scripts/lib/check_events.py`: the JSON Schema its `dataschema` names, asyncapi.yaml, and
/// the CloudEvents SDK's Kafka decoder. And the checker does fail on broken records.
@Suite(
    "event contract: the relay's records pass the schemas, asyncapi.yaml and the CloudEvents SDK",
    .timeLimit(.minutes(3)),
    .enabled(if: EventContractChecker.toolsInstalled, "jsonschema, PyYAML or cloudevents is not installed (install_python_tools)")
)
struct EventContractTests {
    @Test
    func everyRecordTheRelayPublishesFollowsTheContractAndBrokenOnesAreReported() async throws {
        let world = try SystemWorld()
        let records = try await withTestDatabase(prefix: "users") { users in
            try await users.migrate(UserServiceConfiguration.schema(migrationsPath: nil))
            let userService = try await buildApplication(
                configuration: world.userService(users), role: .apiAndRelay, telemetry: Telemetry(), logger: testLogger("user-service")
            )
            return try await userService.test(.live) { client in
                let api = HTTPTestClient(port: client.port!)
                var ids: [String] = []
                for index in 0..<3 {
                    let created = try await api.send(.POST, "/users", body: #"{"name":"User \#(index)","email":"u\#(index)@example.com","bio":"b"}"#)
                    ids.append(try #require(try created.json()["id"] as? String))
                }
                #expect(try await api.write(.PATCH, "/users/\(ids[0])", body: #"{"bio":null}"#).status == 200)
                #expect(try await api.write(.PUT, "/users/\(ids[1])", body: #"{"name":"Zoë 漢字","email":"z@example.com","bio":"two\nlines"}"#).status == 200)
                #expect(try await api.write(.DELETE, "/users/\(ids[2])").status == 204)
                // Repair events of both kinds: the two live users and the tombstone.
                let database = DatabaseClient(pool: users.client, logger: users.logger)
                let store = UserStore(database: database, logger: users.logger)
                _ = try await Snapshot(database: database, store: store, logger: users.logger).run(chunk: 10) { _ in }

                // 3 creates, a patch, a replace, a delete, 3 repairs; and a round of heartbeats (one per partition).
                var records: [KafkaConsumerMessage] = []
                try await eventually("9 events and a heartbeat on every partition", timeout: .seconds(30), interval: .milliseconds(500)) {
                    records = try await TopicReader.readAll(world.topic, from: world.broker, includingHeartbeats: true)
                    let heartbeatPartitions = Set(records.filter { $0.keyString == "heartbeat" }.map(\.partition))
                    return records.count(where: { $0.keyString != "heartbeat" }) == 9 && heartbeatPartitions.count == 6
                }
                return records
            }
        }

        let lines = records.map(EventContractChecker.line)
        let result = try EventContractChecker.check(lines)
        #expect(result.status == 0, "\(result.output)")
        let heartbeats = records.count { $0.keyString == "heartbeat" }
        #expect(
            result.output.contains("\(records.count) record(s) checked (\(heartbeats) Heartbeat, 2 UserDeleted, 7 UserProfileUpdated): \(records.count) valid, 0 invalid"),
            "\(result.output)"
        )
        let events = try records.map { try $0.readEvent().event }
        #expect(events.count { $0.repair == true } == 3)

        // The checker is no rubber stamp: each broken copy of a real event is reported, and only those.
        let updated = try #require(records.first { (try? $0.readEvent())?.event.profileUpdated != nil })
        let broken = [
            try Self.changed(updated) { event in event.data.version = 0 },
            try Self.changed(updated, headers: [("content-type", "application/cloudevents+json"), ("ce_type", "UserProfileUpdated")]),
            try Self.changed(updated) { event in event.dataschema = nil },
            try Self.changed(updated) { event in event.dataschema = EventType.userDeleted.dataschema },
        ]
        let failed = try EventContractChecker.check(lines + broken)
        #expect(failed.status == 1, "\(failed.output)")
        #expect(failed.output.contains("\(records.count) valid, 4 invalid"), "\(failed.output)")
        for (line, reason) in zip(lines.count + 1...lines.count + 4, ["minimum of 1", "CloudEvents SDK from_kafka", "no dataschema", "dataschema"]) {
            let report = failed.output.split(separator: "\n").first { $0.hasPrefix("INVALID line \(line) ") }
            #expect(report?.contains(reason) == true, "line \(line) should be reported for \(reason): \(failed.output)")
        }
        // Records published before `dataschema` existed pass when the checker is told to expect them.
        let older = try EventContractChecker.check([broken[2]], arguments: ["--allow-missing-dataschema"])
        #expect(older.status == 0, "\(older.output)")
    }

    /// A copy of `record` (a `UserProfileUpdated`) as a kcat line, its event changed by `change`
    /// and its headers replaced if given.
    static func changed(
        _ record: KafkaConsumerMessage, headers: [(String, String)]? = nil, _ change: (inout CloudEvent<UserProfileUpdatedData>) -> Void = { _ in }
    ) throws -> String {
        var event = try #require(try record.readEvent().event.profileUpdated, "\(record.keyString ?? "")")
        change(&event)
        let value = String(decoding: try event.encoded(), as: UTF8.self)
        return EventContractChecker.line(
            topic: record.topic, partition: record.partition, offset: record.offset, key: record.keyString, value: value,
            headers: headers ?? record.headers.map { ($0.name, $0.stringValue ?? "") }
        )
    }
}
