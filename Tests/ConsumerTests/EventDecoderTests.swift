import Consumer
import Events
import Foundation
import Kafka
import Testing
import TestSupport
@testable import SearchService

@Suite("Event decoding and search queries (pure logic)")
struct EventDecoderTests {
    static let user = UUID(uuidString: "8d0c5a8e-3c1f-4a8a-9e0b-2b7f7c6f2a10")!

    /// A record as the relay sends it: keyed by `key`, signed with `signedWith` (`nil`: unsigned).
    static func message(_ text: String, key: String? = user.uuidString.lowercased(), signedWith signingKey: EventSigningKey? = TestEventKeys.signing) -> KafkaConsumerMessage {
        let keyBytes = key.map { Array($0.utf8) }
        return KafkaConsumerMessage(
            topic: "t", partition: 2, offset: 7, key: keyBytes, value: Array(text.utf8),
            headers: signingKey.map { TestEventKeys.headers(key: keyBytes, value: Array(text.utf8), signedWith: $0) } ?? [], timestampMilliseconds: nil
        )
    }

    static let decoder = EventDecoder(keys: TestEventKeys.verify)

    static func event(_ message: KafkaConsumerMessage) throws -> ConsumedEvent {
        switch decoder.decodeRecord(message) {
        case .event(let event): return event
        case let other: throw TestFailure("not an event: \(other)")
        }
    }

    static func reason(_ message: KafkaConsumerMessage) -> String? {
        if case .poison(let error) = decoder.decodeRecord(message) { return error.reason }
        return nil
    }

    @Test
    func aUserServiceEventDecodesAndUnknownFieldsAreIgnored() throws {
        let user = Self.user
        let record = TestEvents.updated(user, version: 4, name: "Ada", bio: "b", changed: [.name, .bio])
        var text = String(decoding: record.value, as: UTF8.self)
        text.removeLast()
        text += #","futureField":{"x":1}}"#
        let event = try Self.event(Self.message(text))
        #expect(event.userID == user)
        #expect(event.version == 4)
        #expect(event.change == .profileUpdated(name: "Ada", email: "\(user.uuidString.prefix(8).lowercased())@example.com", bio: "b", changedFields: [.name, .bio]))
        #expect(event.partition == 2 && event.offset == 7)
        #expect(try Self.event(Self.message(String(decoding: TestEvents.deleted(user, version: 5).value, as: UTF8.self))).change == .deleted)
    }

    /// Records published before `dataschema` existed have none; both decode alike.
    @Test
    func eventsDecodeWithOrWithoutDataschema() throws {
        let without = String(decoding: TestEvents.deleted(Self.user, version: 2).value, as: UTF8.self)
        #expect(!without.contains("dataschema"))
        var with = without
        with.removeLast()
        with += #","dataschema":"\#(EventType.userDeleted.dataschema)"}"#
        #expect(try Self.event(Self.message(with)) == Self.event(Self.message(without)))
    }

    static let envelope = #""specversion":"1.0","id":"0b6f1c9e-4a57-4f0e-9c1d-2f7d3c1e5a10","source":"/user-service","time":"2026-11-22T14:00:00.123Z""#
    static let subject = #""subject":"8d0c5a8e-3c1f-4a8a-9e0b-2b7f7c6f2a10""#
    static let userID = #""userId":"8d0c5a8e-3c1f-4a8a-9e0b-2b7f7c6f2a10""#

    /// Each rule of the contract, broken once, with the words its dead letter names it by.
    @Test(arguments: [
        ("", "not JSON"),
        ("[1,2]", "not JSON"),
        (#"{"specversion":"0.3","type":"UserDeleted"}"#, "not a CloudEvent"),
        (#"{\#(envelope),"type":"Renamed","data":{}}"#, "unknown event type"),
        (#"{"specversion":"1.0","id":"nope","source":"/user-service","time":"2026-11-22T14:00:00.123Z","type":"UserDeleted",\#(subject),"data":{\#(userID),"version":1}}"#, "id must be a UUID"),
        (#"{"specversion":"1.0","id":"0b6f1c9e-4a57-4f0e-9c1d-2f7d3c1e5a10","source":"/user-service","time":"yesterday","type":"UserDeleted",\#(subject),"data":{\#(userID),"version":1}}"#, "RFC 3339"),
        (#"{"specversion":"1.0","id":"0b6f1c9e-4a57-4f0e-9c1d-2f7d3c1e5a10","source":"/attacker","time":"2026-11-22T14:00:00.123Z","type":"UserDeleted",\#(subject),"data":{\#(userID),"version":1}}"#, "source is not user-service"),
        (#"{\#(envelope),"type":"UserDeleted",\#(subject),"data":{\#(userID),"version":0}}"#, "version out of range"),
        (#"{\#(envelope),"type":"UserDeleted",\#(subject),"data":{\#(userID),"version":9007199254740992}}"#, "version out of range"),
        (#"{\#(envelope),"type":"UserDeleted",\#(subject),"data":{\#(userID),"version":9223372036854775807}}"#, "version out of range"),
        (#"{\#(envelope),"type":"UserDeleted","subject":"x","data":{\#(userID),"version":1}}"#, "subject does not match data.userId"),
        (#"{\#(envelope),"type":"UserDeleted","data":{\#(userID),"version":1}}"#, "subject does not match data.userId"),
        (#"{\#(envelope),"type":"UserProfileUpdated",\#(subject),"data":{\#(userID),"version":1}}"#, "invalid data: data.name is missing"),
        (#"{\#(envelope),"type":"UserDeleted",\#(subject),"data":{\#(userID),"version":"1"}}"#, "invalid data"),
        (#"{\#(envelope),"type":"UserProfileUpdated",\#(subject),"data":{\#(userID),"version":1,"name":"\u0000","email":"a@example.com","bio":"","changedFields":[]}}"#, "field rule: data.name"),
        (#"{\#(envelope),"type":"UserProfileUpdated",\#(subject),"data":{\#(userID),"version":1,"name":"Ada","email":"nope","bio":"","changedFields":[]}}"#, "field rule: data.email"),
        (#"{\#(envelope),"type":"UserProfileUpdated",\#(subject),"data":{\#(userID),"version":1,"name":"Ada","email":"a@example.com","bio":"","changedFields":["age"]}}"#, "invalid data"),
    ])
    func invalidRecordsArePermanentFailuresNamingTheRule(_ example: (text: String, reason: String)) {
        let reason = Self.reason(Self.message(example.text))
        #expect(reason?.hasPrefix(example.reason) == true || reason?.contains(example.reason) == true, "\(reason ?? "applied")")
    }

    @Test
    func theKeyMustBeTheSubject() {
        let text = String(decoding: TestEvents.deleted(Self.user, version: 2).value, as: UTF8.self)
        #expect(Self.reason(Self.message(text, key: UUID().uuidString.lowercased()))?.hasPrefix("key does not match subject") == true)
        #expect(Self.reason(Self.message(text, key: nil))?.hasPrefix("key does not match subject") == true)
        #expect(Self.reason(Self.message(text, key: Self.user.uuidString.uppercased())) == nil, "the same UUID in capitals is the same key")
    }

    @Test
    func onlyRecordsSignedWithAVerifyKeyAndUnalteredAreAccepted() throws {
        let text = String(decoding: TestEvents.deleted(Self.user, version: 2).value, as: UTF8.self)
        #expect(try Self.event(Self.message(text, signedWith: TestEventKeys.signing)).version == 2)
        #expect(try Self.event(Self.message(text, signedWith: TestEventKeys.rotated)).version == 2, "both keys of a rotation verify")
        #expect(Self.reason(Self.message(text, signedWith: nil))?.hasPrefix("unauthenticated: the record has no") == true)
        #expect(Self.reason(Self.message(text, signedWith: TestEventKeys.unknown))?.contains("signed with key 'test-unknown'") == true)
        // Signed, then altered: the value, or the key.
        var altered = Self.message(text)
        altered = KafkaConsumerMessage(
            topic: altered.topic, partition: altered.partition, offset: altered.offset, key: altered.key,
            value: Array(text.replacingOccurrences(of: #""version":2"#, with: #""version":3"#).utf8), headers: altered.headers, timestampMilliseconds: nil
        )
        #expect(Self.reason(altered)?.hasPrefix("unauthenticated: the signature does not match") == true)
        // A key whose secret is right but whose id is another accepted one.
        let impostor = try EventSigningKey(parsing: "test-2:" + TestEventKeys.signing.exported.split(separator: ":")[1])
        #expect(Self.reason(Self.message(text, signedWith: impostor))?.hasPrefix("unauthenticated: the signature does not match") == true)
    }

    @Test
    func aHeartbeatThatDoesNotVerifyIsIgnoredNotDeadLettered() {
        let heartbeat = TestEvents.heartbeat(watermark: Date())
        let text = String(decoding: heartbeat.value, as: UTF8.self)
        guard case .heartbeat = Self.decoder.decodeRecord(Self.message(text, key: "heartbeat")) else {
            Issue.record("a signed heartbeat is a heartbeat")
            return
        }
        for signingKey in [nil, TestEventKeys.unknown] {
            guard case .ignoredHeartbeat(let rejection) = Self.decoder.decodeRecord(Self.message(text, key: "heartbeat", signedWith: signingKey)) else {
                Issue.record("an unverified heartbeat must be ignored")
                continue
            }
            #expect(rejection.rule == .unauthenticated)
        }
        let unreadable = text.replacingOccurrences(of: #""watermark":""#, with: #""watermark":"x"#)
        if case .ignoredHeartbeat = Self.decoder.decodeRecord(Self.message(unreadable, key: "heartbeat")) {} else {
            Issue.record("a heartbeat without a readable watermark is ignored")
        }
    }

    @Test
    func searchWordsBecomePrefixTermsAndNothingElse() {
        #expect(SearchQuery.tsquery(from: "Ada  LOVELACE") == "ada:* & lovelace:*")
        #expect(SearchQuery.tsquery(from: "ada@example.com") == "ada:* & example:* & com:*")
        #expect(SearchQuery.tsquery(from: "'); DROP TABLE x; --:*&|!") == "drop:* & table:* & x:*")
        #expect(SearchQuery.tsquery(from: " !? ") == nil)
        #expect(SearchQuery.tsquery(from: "Zoë 42") == "zoë:* & 42:*")
    }
}
