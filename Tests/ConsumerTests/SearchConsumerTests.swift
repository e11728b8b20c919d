import Consumer
import Database
import Events
import Foundation
import Kafka
import NIOHTTP1
import PostgresNIO
import Testing
import TestSupport
@testable import SearchService

@Suite("search-service: versions, tombstones, poison messages, waiting reads", .timeLimit(.minutes(3)))
struct SearchConsumerTests {
    static let group = SearchService.group

    @Test
    func outOfOrderVersionsEndAtTheHighestAndALateUpdateNeverResurrectsADeletedUser() async throws {
        try await withConsumerWorld { world in
            try await withTestDatabase(prefix: "search") { database in
                try await withConsumerService(SearchService.self, world: world, database: database) { service in
                    let ada = UUID()
                    let grace = UUID()
                    // One step at a time, so each arrives in a transaction of its own (within a batch only the newest counts anyway).
                    let steps: [TestRecord] = [
                        TestEvents.updated(ada, version: 3, name: "Ada Countess Lovelace", bio: "Wrote the first program"),
                        TestEvents.updated(ada, version: 1, name: "Ada Byron"),
                        TestEvents.updated(ada, version: 2, name: "Ada Lovelace"),
                        TestEvents.updated(grace, version: 1, name: "Grace Hopper", bio: "Compilers"),
                        TestEvents.deleted(grace, version: 2),
                        TestEvents.updated(grace, version: 1, name: "Grace Hopper", bio: "Compilers"), // a late copy (new event id)
                    ]
                    for step in steps {
                        try await world.publish([step])
                        try await eventually("consumed") { try await world.lag(Self.group) == 0 }
                    }
                    #expect(try await database.count("processed_events") == 6, "every event applied (and ignored by version where older)")

                    let document = try await service.get("/search/users/\(ada.uuidString.lowercased())", as: IndexedDocument.self)
                    #expect(document.version == 3)
                    #expect(document.name == "Ada Countess Lovelace")
                    let deleted = try await service.http.send(.GET, "/search/users/\(grace.uuidString.lowercased())")
                    #expect(deleted.status == 404)
                    #expect(deleted.header("Content-Type") == "application/problem+json")
                    #expect(try await service.get("/search?q=grace", as: SearchResults.self).total == 0, "deleted users are not found")
                    #expect(try await database.count("user_documents", where: "deleted") == 1, "the tombstone stays")

                    let results = try await service.get("/search?q=lovelace%20program", as: SearchResults.self)
                    #expect(results.total == 1)
                    let first = results.hits.first
                    #expect(first?.userId == ada.uuidString.lowercased())
                    #expect((first?.score ?? 0) > 0)
                    #expect(try await service.get("/search?q=ada.lovelace", as: SearchResults.self).total == 1, "prefix words match")
                }
            }
        }
    }

    @Test
    func minVersionWaitsForTheIndexAndSaysWhenItGaveUp() async throws {
        try await withConsumerWorld { world in
            try await withTestDatabase(prefix: "search") { database in
                try await withConsumerService(SearchService.self, world: world, database: database) { service in
                    // The group forms ~3 s after the consumer joins: an event for someone else applied
                    // first, so the wait below is for the index, not for the group.
                    try await world.publish([TestEvents.updated(UUID(), version: 1)])
                    try await eventually("the consumer has its partitions", timeout: .seconds(30)) { try await world.lag(Self.group) == 0 }
                    let user = UUID()
                    let path = "/search/users/\(user.uuidString.lowercased())"
                    try await world.publish([TestEvents.updated(user, version: 1)])
                    let first = try await service.http.send(.GET, path + "?minVersion=1&waitMs=5000")
                    #expect(first.status == 200)
                    #expect(first.header("X-Index-Stale") == nil)

                    let stale = try await service.http.send(.GET, path + "?minVersion=2&waitMs=200")
                    #expect(stale.status == 200)
                    #expect(stale.header("X-Index-Stale") == "true")
                    #expect(try stale.decode(IndexedDocument.self).version == 1)

                    // Whether the request starts waiting before or after version 2 is indexed, it answers version 2;
                    // the wake-up path itself is proved in IndexNotificationsTests.
                    async let waited = service.http.send(.GET, path + "?minVersion=2&waitMs=5000")
                    try await world.publish([TestEvents.updated(user, version: 2, name: "Ada King")])
                    let answer = try await waited
                    #expect(answer.status == 200)
                    #expect(answer.header("X-Index-Stale") == nil)
                    #expect(try answer.decode(IndexedDocument.self).version == 2)

                    for bad in ["?minVersion=0&waitMs=10", "?minVersion=1&waitMs=5001", "?minVersion=x"] {
                        let refused = try await service.http.send(.GET, path + bad)
                        #expect(refused.status == 400, "\(bad)")
                        #expect(refused.header("Content-Type") == "application/problem+json")
                    }
                    #expect(try await service.http.send(.GET, "/search").status == 400)
                    #expect(try await service.http.send(.GET, "/search?q=ada&limit=101").status == 400)
                }
            }
        }
    }

    @Test
    func poisonMessagesGoToTheDeadLetterTopicWithTheirReasonAndTheGoodOnesAroundThemAreApplied() async throws {
        try await withConsumerWorld(partitions: 1) { world in
            try await withTestDatabase(prefix: "search") { database in
                try await withConsumerService(SearchService.self, world: world, database: database) { service in
                    let user = UUID()
                    let key = user.uuidString.lowercased()
                    let blob = String(repeating: "x", count: 900 * 1024)
                    let poison: [(TestRecord, String)] = [
                        (TestRecord(key: key, text: "not json at all"), "not a JSON object"),
                        (TestRecord(key: key, text: #"{"hello":"world"}"#), "not a CloudEvent"),
                        (TestRecord(key: key, text: Self.envelope(type: "UserRenamed", data: #"{"userId":"\#(key)","version":2}"#)), "unknown event type"),
                        (TestRecord(key: key, text: Self.envelope(type: "UserProfileUpdated", data: #"{"version":2,"name":"A","email":"a@b.c"}"#)), "data.userId is missing"),
                        (TestRecord(key: key, text: #"{"blob":"\#(blob)"}"#), "not a CloudEvent"),
                    ]
                    // An event whose bio breaks the field rules (a NUL, which PostgreSQL could not store either):
                    // refused by the contract before the database sees it, permanent at once.
                    let refused = TestEvents.updated(user, version: 3, bio: "nul \u{0}", changed: [.bio])
                    // A valid event that fails for a reason nobody classified (a trigger's exception, SQLSTATE P0001):
                    // retried, then dead-lettered as exhausted.
                    let failing = UUID()
                    _ = try await database.client.query(PostgresQuery(unsafeSQL: """
                        CREATE FUNCTION refuse_one_user() RETURNS trigger LANGUAGE plpgsql AS $$
                        BEGIN IF NEW.user_id = '\(failing)' THEN RAISE EXCEPTION 'refused by a test trigger'; END IF; RETURN NEW; END $$;
                        """)).collect()
                    _ = try await database.client.query(PostgresQuery(unsafeSQL: """
                        CREATE TRIGGER refuse_one_user BEFORE INSERT OR UPDATE ON user_documents FOR EACH ROW EXECUTE FUNCTION refuse_one_user()
                        """)).collect()
                    let records = [TestEvents.updated(user, version: 1)] + poison.map(\.0)
                        + [TestEvents.updated(user, version: 2, name: "Ada King"), refused, TestEvents.updated(failing, version: 1)]
                    try await world.publish(records)

                    try await eventually("everything consumed", timeout: .seconds(30)) { try await world.lag(Self.group) == 0 }
                    try await eventually("every dead letter published") {
                        try await database.count("dead_letter_outbox", where: "published_at IS NOT NULL") == 7
                    }
                    let letters = try await TopicReader.readAll(world.deadLetterTopic(Self.group), from: world.broker)
                    try #require(letters.count == 7, "6 permanent + 1 exhausted, got \(letters.count)")
                    for (letter, (original, reason)) in zip(letters, poison) {
                        #expect(letter.value == original.value, "the value byte for byte")
                        #expect(letter.key == original.key)
                        #expect(letter.headers.string(named: "dlq-error-class") == "permanent")
                        #expect(letter.headers.string(named: "dlq-error")?.contains(reason) == true, "\(letter.headers.string(named: "dlq-error") ?? "")")
                        #expect(letter.headers.string(named: "dlq-original-topic") == world.topic)
                        #expect(letter.headers.string(named: "dlq-original-partition") == "0")
                        #expect(letter.headers.string(named: "dlq-attempts") == "1")
                        #expect(letter.headers.string(named: "dlq-consumer-group") == Self.group)
                        #expect(letter.headers.string(named: "dlq-failed-at").flatMap(RFC3339.parse) != nil)
                    }
                    // Both classes of letters match the DeadLetter message of asyncapi.yaml (every dlq-* header).
                    if EventContractChecker.toolsInstalled {
                        let checked = try EventContractChecker.check(letters.map(EventContractChecker.line))
                        #expect(checked.status == 0 && checked.output.contains("7 record(s) checked (7 DeadLetter): 7 valid"), "\(checked.output)")
                    }
                    let unstorable = letters[5]
                    #expect(unstorable.value == refused.value)
                    #expect(unstorable.headers.string(named: "dlq-error-class") == "permanent", "a data exception is not retried")
                    #expect(unstorable.headers.string(named: "dlq-attempts") == "1")
                    #expect(unstorable.headers.string(named: "dlq-original-offset") == "7")
                    let reason = unstorable.headers.string(named: "dlq-error") ?? ""
                    #expect(reason.hasPrefix("field rule: data.bio"), "the rule it breaks: \(reason)")
                    #expect(!reason.contains("INSERT") && !reason.contains("PSQLError") && reason.count < 300, "no SQL text, no debug dump: \(reason)")
                    let exhausted = letters[6]
                    #expect(exhausted.headers.string(named: "dlq-error-class") == "exhausted")
                    #expect(exhausted.headers.string(named: "dlq-attempts") == "5")
                    #expect(exhausted.headers.string(named: "dlq-original-offset") == "8")
                    #expect(exhausted.headers.string(named: "dlq-error")?.contains("refused by a test trigger") == true)

                    let document = try await service.get("/search/users/\(key)", as: IndexedDocument.self)
                    #expect(document.version == 2, "the good events around the poison were applied")
                    #expect(try await database.count("processed_events") == 2)
                    #expect(service.metric(#"consumer_events_total{outcome="dead_lettered",class="permanent"}"#) == 6)
                    #expect(service.metric(#"consumer_events_total{outcome="dead_lettered",class="exhausted"}"#) == 1)
                }
            }
        }
    }

    static func envelope(type: String, data: String) -> String {
        #"{"specversion":"1.0","id":"\#(UUID().uuidString.lowercased())","source":"/test","type":"\#(type)","time":"2026-11-22T14:00:00.123Z","data":\#(data)}"#
    }
}
