import Consumer
import Events
import Foundation
import Kafka
import Testing
@testable import SearchService

@Suite("Event decoding and search queries (pure logic)")
struct EventDecoderTests {
    static func message(_ text: String) -> KafkaConsumerMessage {
        KafkaConsumerMessage(topic: "t", partition: 2, offset: 7, key: nil, value: Array(text.utf8), headers: [], timestampMilliseconds: nil)
    }

    @Test
    func aUserServiceEventDecodesAndUnknownFieldsAreIgnored() throws {
        let user = UUID()
        let record = TestEvents.updated(user, version: 4, name: "Ada", bio: "b", changed: [.name, .bio])
        var text = String(decoding: record.value, as: UTF8.self)
        text.removeLast()
        text += #","futureField":{"x":1}}"#
        let event = try EventDecoder.decode(Self.message(text))
        #expect(event.userID == user)
        #expect(event.version == 4)
        #expect(event.change == .profileUpdated(name: "Ada", email: "\(user.uuidString.prefix(8).lowercased())@example.com", bio: "b", changedFields: ["name", "bio"]))
        #expect(event.partition == 2 && event.offset == 7)
        #expect(try EventDecoder.decode(Self.message(String(decoding: TestEvents.deleted(user, version: 5).value, as: UTF8.self))).change == .deleted)
    }

    /// Records published before `dataschema` existed have none; both decode alike.
    @Test
    func eventsDecodeWithOrWithoutDataschema() throws {
        let user = UUID()
        let without = String(decoding: TestEvents.deleted(user, version: 2).value, as: UTF8.self)
        #expect(!without.contains("dataschema"))
        var with = without
        with.removeLast()
        with += #","dataschema":"\#(EventType.userDeleted.dataschema)"}"#
        #expect(try EventDecoder.decode(Self.message(with)) == EventDecoder.decode(Self.message(without)))
        #expect(try EventDecoder.decode(Self.message(with)).userID == user)
    }

    @Test(arguments: [
        ("", "not a JSON object"),
        ("[1,2]", "not a JSON object"),
        (#"{"specversion":"0.3"}"#, "specversion"),
        (#"{"specversion":"1.0","id":"nope","source":"/s","type":"UserDeleted"}"#, "id must be a UUID"),
        (#"{"specversion":"1.0","id":"8d0c5a8e-3c1f-4a8a-9e0b-2b7f7c6f2a10","source":"/s","type":"UserDeleted","time":"yesterday"}"#, "RFC 3339"),
        (#"{"specversion":"1.0","id":"8d0c5a8e-3c1f-4a8a-9e0b-2b7f7c6f2a10","source":"/s","type":"UserDeleted","time":"2026-11-22T14:00:00.123Z","data":{"userId":"8d0c5a8e-3c1f-4a8a-9e0b-2b7f7c6f2a10","version":0}}"#, "at least 1"),
        (#"{"specversion":"1.0","id":"8d0c5a8e-3c1f-4a8a-9e0b-2b7f7c6f2a10","source":"/s","type":"UserDeleted","time":"2026-11-22T14:00:00.123Z","subject":"x","data":{"userId":"8d0c5a8e-3c1f-4a8a-9e0b-2b7f7c6f2a10","version":1}}"#, "subject"),
        (#"{"specversion":"1.0","id":"8d0c5a8e-3c1f-4a8a-9e0b-2b7f7c6f2a10","source":"/s","type":"UserProfileUpdated","time":"2026-11-22T14:00:00.123Z","data":{"userId":"8d0c5a8e-3c1f-4a8a-9e0b-2b7f7c6f2a10","version":1}}"#, "data.name"),
        (#"{"specversion":"1.0","id":"8d0c5a8e-3c1f-4a8a-9e0b-2b7f7c6f2a10","source":"/s","type":"UserDeleted","time":"2026-11-22T14:00:00.123Z","data":{"userId":"8d0c5a8e-3c1f-4a8a-9e0b-2b7f7c6f2a10","version":"1"}}"#, "not a CloudEvent"),
    ])
    func invalidRecordsArePermanentFailuresWithAReason(_ example: (text: String, reason: String)) {
        #expect {
            try EventDecoder.decode(Self.message(example.text))
        } throws: { error in
            (error as? PermanentEventError)?.reason.contains(example.reason) == true
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
