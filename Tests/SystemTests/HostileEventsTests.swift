import Consumer
import Events
import Foundation
import Kafka
import NIOHTTP1
import PostgresNIO
import TestSupport
import Testing
@testable import AnalyticsService
@testable import SearchService

/// What someone who can write to `user-events` tries, against the whole running system:
/// each forged, altered or invalid record is dead-lettered by both consumers with the rule it
/// breaks (a forged heartbeat is ignored), never applied, never recorded in
/// `processed_events`, never counted; the source is unchanged, user-service keeps answering
/// through anti-entropy runs, and the next real event is applied as usual.
///
/// The records of the validation cases are signed with a real key (a buggy or compromised
/// producer): unsigned, they would all stop at the first rule, `unauthenticated`.
@Suite("hostile events: forged, altered and invalid records are never applied", .timeLimit(.minutes(10)))
struct HostileEventsTests {
    /// What the consumers must do with the forged records.
    enum Outcome: Sendable {
        /// Dead-lettered (`permanent`) with a `dlq-error` starting with these words.
        case deadLettered(String)
        /// Skipped and counted in `consumer_heartbeats_ignored_total`, never used as a watermark.
        case ignoredHeartbeat
    }

    /// One attack: the records it produces against a real user (`user`), with the event id `forgedID`.
    struct Forgery: Sendable, CustomTestStringConvertible {
        let name: String
        let outcome: Outcome
        /// The real event after it reuses the forged records' id (a forged copy sent before the real one).
        var realEventReusesForgedID = false
        let records: @Sendable (_ user: UUID, _ forgedID: UUID, _ topic: String) throws -> [KafkaProducerMessage]

        var testDescription: String { name }
    }

    static let forgeries: [Forgery] = [
        Forgery(name: "unsigned, source /attacker, version 1000", outcome: .deadLettered("unauthenticated: the record has no")) { user, id, topic in
            [try record(topic, user, profile(user, version: 1000, id: id, source: "/attacker"), signedWith: nil)]
        },
        Forgery(name: "unsigned repair at the user's current version", outcome: .deadLettered("unauthenticated")) { user, id, topic in
            [try record(topic, user, profile(user, version: 1, id: id, repair: true), signedWith: nil)]
        },
        Forgery(name: "unsigned UserDeleted", outcome: .deadLettered("unauthenticated")) { user, id, topic in
            [try record(topic, user, deleted(user, version: 2, id: id), signedWith: nil)]
        },
        Forgery(name: "a forged copy of a real event id, sent before the real one", outcome: .deadLettered("unauthenticated"), realEventReusesForgedID: true) {
            user, id, topic in
            [try record(topic, user, profile(user, version: 2, id: id, name: "Mallory"), signedWith: nil)]
        },
        Forgery(name: "signed with an unknown key id", outcome: .deadLettered("unauthenticated: signed with key 'test-unknown'")) { user, id, topic in
            [try record(topic, user, profile(user, version: 5, id: id), signedWith: TestEventKeys.unknown)]
        },
        Forgery(name: "a valid record whose value was altered after signing", outcome: .deadLettered("unauthenticated: the signature does not match")) {
            user, id, topic in
            var message = try record(topic, user, profile(user, version: 2, id: id, name: "Ada"), signedWith: TestEventKeys.signing)
            message.value = try profile(user, version: 2, id: id, name: "Mallory")
            return [message]
        },
        Forgery(name: "version 2^53", outcome: .deadLettered("version out of range")) { user, id, topic in
            [try record(topic, user, profile(user, version: 9_007_199_254_740_992, id: id))]
        },
        Forgery(name: "version 2^63-1", outcome: .deadLettered("version out of range")) { user, id, topic in
            [try record(topic, user, profile(user, version: Int64.max, id: id))]
        },
        Forgery(name: "key is not the subject", outcome: .deadLettered("key does not match subject")) { user, id, topic in
            var message = try record(topic, user, profile(user, version: 2, id: id))
            message.key = Array(UUID().uuidString.lowercased().utf8)
            message.headers = TestEventKeys.headers(key: message.key, value: message.value)
            return [message]
        },
        Forgery(name: "a 100,000-character name", outcome: .deadLettered("field rule: data.name")) { user, id, topic in
            [try record(topic, user, profile(user, version: 2, id: id, name: String(repeating: "M", count: 100_000)))]
        },
        Forgery(name: "a NUL in the name", outcome: .deadLettered("field rule: data.name")) { user, id, topic in
            [try record(topic, user, profile(user, version: 2, id: id, name: "Ada\u{0}"))]
        },
        Forgery(name: "source /attacker, signed", outcome: .deadLettered("source is not user-service")) { user, id, topic in
            [try record(topic, user, profile(user, version: 2, id: id, source: "/attacker"))]
        },
        Forgery(name: "a heartbeat with a watermark in 2099", outcome: .ignoredHeartbeat) { _, id, topic in
            let event = CloudEvent(
                id: id.uuidString.lowercased(), source: EventContract.source, type: EventType.heartbeat.rawValue, subject: nil,
                time: RFC3339.format(Date()), correlationid: nil, data: HeartbeatData(watermark: "2099-01-01T00:00:00.000Z")
            )
            let value = try event.encoded()
            return (0..<6).map { KafkaProducerMessage(topic: topic, partition: $0, key: Array(HeartbeatData.key.utf8), value: value) }
        },
    ]

    @Test(arguments: Self.forgeries)
    func aForgedRecordIsNeverApplied(_ forgery: Forgery) async throws {
        let world = try SystemWorld()
        try await RunningSystem.run(world) { system in
            let created = try await system.userAPI.send(.POST, "/users", body: #"{"name":"Ada","email":"ada@example.com","bio":"real"}"#)
            let user = try #require(UUID(uuidString: try created.json()["id"] as? String ?? ""))
            let path = user.uuidString.lowercased()
            try await eventually("the real user is in both projections") {
                let indexed = try await system.searchAPI.send(.GET, "/search/users/\(path)").status == 200
                let counted = try await system.analyticsAPI.send(.GET, "/analytics/users/\(path)").status == 200
                return indexed && counted
            }

            let forgedID = UUID()
            let records = try forgery.records(user, forgedID, world.topic)
            let producer = try KafkaProducer(configuration: world.broker.producerConfiguration(), logger: world.broker.logger)
            try await withRunningService(producer) {
                for result in await producer.sendBatch(records) { _ = try result.get() }
            }

            switch forgery.outcome {
            case .deadLettered(let reason):
                for group in [SearchService.group, AnalyticsService.group] {
                    let letters = try await TopicReader.read(DeadLetter.topic(for: world.topic, group: group), from: world.broker, count: records.count)
                    for (letter, original) in zip(letters, records) {
                        let error = letter.headers.string(named: DeadLetter.errorHeader) ?? ""
                        #expect(error.hasPrefix(reason), "\(group): dlq-error is '\(error.prefix(200))', expected '\(reason)…'")
                        #expect(letter.headers.string(named: DeadLetter.errorClassHeader) == "permanent")
                        #expect(letter.value == original.value && letter.key == original.key, "the original key and value, byte for byte")
                        for header in original.headers {
                            #expect(letter.headers.contains(header), "\(group): the dead letter keeps the original header \(header.name)")
                        }
                    }
                }
            case .ignoredHeartbeat:
                try await eventually("both consumers ignored the forged heartbeats") {
                    [system.searchTelemetry, system.analyticsTelemetry].allSatisfy {
                        SystemWorld.metric("consumer_heartbeats_ignored_total", $0) ?? 0 >= Double(records.count)
                    }
                }
                for api in [system.searchManagement, system.analyticsManagement] {
                    let watermark = try await api.send(.GET, "/consistency/digest?buckets=1").json()["watermark"] as? String
                    let mark = try #require(watermark.flatMap(RFC3339.parse), "the relay's real heartbeats set a watermark")
                    #expect(mark < Date().addingTimeInterval(5), "the forged watermark in 2099 was not used: \(watermark ?? "")")
                }
            }
            for database in [system.search, system.analytics] {
                let rows = try await database.client.query("SELECT count(*) FROM processed_events WHERE event_id = \(forgedID)").collect()
                #expect(try rows[0].decode(Int.self) == 0, "a forged event id is never recorded in processed_events")
            }

            // The next real event is applied, also when it carries the forged record's id.
            if forgery.realEventReusesForgedID {
                try await Self.writeRealUpdate(of: user, eventID: forgedID, in: system.users)
            } else {
                let put = try await system.userAPI.send(
                    .PUT, "/users/\(path)", headers: [("If-Match", "\"1\"")], body: #"{"name":"Ada Real","email":"ada@example.com","bio":"real"}"#
                )
                #expect(put.status == 200)
            }
            try await eventually("the real update (version 2) is in both projections") {
                let document = try await system.searchAPI.send(.GET, "/search/users/\(path)")
                let activity = try await system.analyticsAPI.send(.GET, "/analytics/users/\(path)")
                guard document.status == 200, activity.status == 200 else { return false }
                let indexed = try document.decode(IndexedDocument.self)
                let tracked = try activity.decode(UserActivity.self)
                return indexed.version == 2 && indexed.name == "Ada Real" && tracked.lastVersion == 2 && !tracked.deleted
            }

            // Anti-entropy runs every second: a run that started after the forgery finds nothing, and the source is unchanged.
            let runs = Self.consistentRuns(system)
            try await eventually("two more consistent anti-entropy runs on both targets", timeout: .seconds(30)) {
                Self.consistentRuns(system) >= runs + 4
            }
            let source = try await system.userAPI.send(.GET, "/users/\(path)")
            #expect(source.status == 200)
            #expect(source.header("ETag") == "\"2\"", "the source's version is the real one")
            let summary = try await system.analyticsAPI.send(.GET, "/analytics/summary").decode(AnalyticsSummary.self)
            // Repairs are real events too (anti-entropy may send one for a write it saw in flight); the forged records are not counted.
            let applied = summary.eventsApplied - summary.repairsApplied
            #expect(applied == 2, "the create and the real update only, besides repairs: \(summary)")
            #expect(summary.profileUpdates == 1)
            #expect(summary.users == 1 && summary.deletedUsers == 0)
        }
    }

    /// Both targets' consistent runs so far.
    static func consistentRuns(_ system: RunningSystem) -> Double {
        ["search", "analytics"].reduce(0) { sum, target in
            sum + (SystemWorld.metric(#"anti_entropy_runs_total{target="\#(target)",result="consistent"}"#, system.userTelemetry) ?? 0)
        }
    }

    /// user-service's own write of version 2, with a given event id: the row and its outbox
    /// row in one transaction, published (and signed) by the relay like any other.
    static func writeRealUpdate(of user: UUID, eventID: UUID, in database: TestDatabase) async throws {
        let payload = String(decoding: try profile(user, version: 2, id: eventID, name: "Ada Real", email: "ada@example.com", bio: "real"), as: UTF8.self)
        _ = try await database.client.withTransaction(logger: database.logger) { connection in
            try await connection.query("UPDATE users SET name = 'Ada Real', version = 2, updated_at = now() WHERE id = \(user)", logger: database.logger)
            try await connection.query(
                """
                INSERT INTO outbox (event_id, aggregate_id, event_type, payload, created_at)
                VALUES (\(eventID), \(user), \(EventType.userProfileUpdated.rawValue), \(payload), now())
                """,
                logger: database.logger
            )
        }
    }

    // MARK: Records

    static func profile(
        _ user: UUID, version: Int64, id: UUID, name: String = "Mallory", email: String = "mallory@attacker.example", bio: String = "forged",
        source: String = EventContract.source, repair: Bool? = nil
    ) throws -> [UInt8] {
        let userID = user.uuidString.lowercased()
        return try CloudEvent(
            id: id.uuidString.lowercased(), source: source, type: EventType.userProfileUpdated.rawValue,
            dataschema: EventType.userProfileUpdated.dataschema, subject: userID, time: RFC3339.format(Date()), correlationid: "forged",
            repair: repair, data: UserProfileUpdatedData(userId: userID, version: version, name: name, email: email, bio: bio, changedFields: [.name])
        ).encoded()
    }

    static func deleted(_ user: UUID, version: Int64, id: UUID) throws -> [UInt8] {
        let userID = user.uuidString.lowercased()
        return try CloudEvent(
            id: id.uuidString.lowercased(), source: EventContract.source, type: EventType.userDeleted.rawValue,
            dataschema: EventType.userDeleted.dataschema, subject: userID, time: RFC3339.format(Date()), correlationid: "forged",
            data: UserDeletedData(userId: userID, version: version)
        ).encoded()
    }

    /// A record keyed by the user, signed with `signedWith` (`nil`: unsigned, as with kcat).
    static func record(_ topic: String, _ user: UUID, _ value: [UInt8], signedWith key: EventSigningKey? = TestEventKeys.signing) throws -> KafkaProducerMessage {
        let keyBytes = Array(user.uuidString.lowercased().utf8)
        return KafkaProducerMessage(
            topic: topic, key: keyBytes, value: value, headers: key.map { TestEventKeys.headers(key: keyBytes, value: value, signedWith: $0) } ?? []
        )
    }
}
