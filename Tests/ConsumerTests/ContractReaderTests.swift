import Foundation
import Testing
@testable import Events

/// The contract reads records with its own JSON scanner, UUID and timestamp parsers (for
/// speed); these tests hold them to what Foundation's decoders accept and produce.
@Suite("Reading a record: the contract's scanner agrees with Foundation (pure logic)")
struct ContractReaderTests {
    static let user = UUID(uuidString: "8d0c5a8e-3c1f-4a8a-9e0b-2b7f7c6f2a10")!
    static let key = Array(user.uuidString.lowercased().utf8)

    static func profileEvent(name: String, bio: String = "", version: Int64 = 3) -> CloudEvent<UserProfileUpdatedData> {
        CloudEvent(
            id: UUID().uuidString.lowercased(), source: EventContract.source, type: EventType.userProfileUpdated.rawValue,
            dataschema: EventType.userProfileUpdated.dataschema, subject: user.uuidString.lowercased(), time: RFC3339.format(Date()),
            correlationid: "req-1", repair: true,
            data: UserProfileUpdatedData(
                userId: user.uuidString.lowercased(), version: version, name: name, email: "a@example.com", bio: bio, changedFields: [.name, .bio]
            )
        )
    }

    static func reason(_ text: String, key: [UInt8]? = key) -> String? {
        do {
            _ = try EventContract.read(key: key, value: Array(text.utf8))
            return nil
        } catch {
            return error.description
        }
    }

    /// Names and bios with quotes, backslashes, escapes, non-ASCII and astral characters,
    /// encoded by Foundation, read back exactly; compact or pretty-printed alike.
    @Test(arguments: [
        #"Ada "the Countess" Lovelace"#, #"back\slash / solidus"#, "Zoë Ångström 李雷", "emoji 👩‍💻 and 𝄞",
        "a\u{A0}non-breaking space",
    ])
    func whatFoundationEncodesIsReadBackExactly(_ name: String) throws {
        let event = Self.profileEvent(name: name, bio: name + "\ttab\r\nline")
        let encoder = JSONEncoder()
        for formatting: JSONEncoder.OutputFormatting in [[.sortedKeys], [.prettyPrinted], [.withoutEscapingSlashes]] {
            encoder.outputFormatting = formatting
            let value = Array(try encoder.encode(event))
            guard case .profileUpdated(let read) = try EventContract.decode(key: Self.key, value: value) else {
                Issue.record("not read as a profile update")
                continue
            }
            #expect(read == event, "\(formatting)")
        }
    }

    /// A record cut short anywhere is refused as not JSON — never accepted, never a crash.
    @Test
    func everyTruncationOfARecordIsNotJSON() throws {
        let value = try Self.profileEvent(name: #"Ada \ "L" 👩‍💻"#).encoded()
        _ = try EventContract.read(key: Self.key, value: value)
        for length in 0..<value.count {
            do {
                _ = try EventContract.read(key: Self.key, value: Array(value[..<length]))
                Issue.record("a record cut at \(length) of \(value.count) bytes was accepted")
            } catch {
                #expect(error.rule == .notJSON, "cut at \(length): \(error)")
            }
        }
    }

    static let envelope = #""specversion":"1.0","id":"0b6f1c9e-4a57-4f0e-9c1d-2f7d3c1e5a10","source":"/user-service","time":"2026-11-22T14:00:00.123Z","subject":"8d0c5a8e-3c1f-4a8a-9e0b-2b7f7c6f2a10""#
    static let data = #""userId":"8d0c5a8e-3c1f-4a8a-9e0b-2b7f7c6f2a10""#

    /// Text that is not JSON by RFC 8259, though a lenient reader might take it.
    @Test(arguments: [
        #"{\#(envelope),"type":"UserDeleted","data":{\#(data),"version":1}} x"#,
        #"{\#(envelope),"type":"UserDeleted","data":{\#(data),"version":01}}"#,
        #"{\#(envelope),"type":"UserDeleted","data":{\#(data),"version":1,}}"#,
        #"{\#(envelope),"type":"UserDeleted","data":{\#(data),"version":1}"#,
        #"{\#(envelope),"type":"UserDeleted","data":{\#(data),"version":1},"x":tru}"#,
        #"{\#(envelope),"type":"UserDeleted","data":{\#(data),"version":1},"x":"\ud800"}"#,
        #"{\#(envelope),"type":"UserDeleted","data":{\#(data),"version":1},"x":"\q"}"#,
        "{\(envelope),\"type\":\"UserDeleted\",\"data\":{\(data),\"version\":1},\"x\":\"a\u{1}b\"}",
        #"{\#(envelope),"type":"UserDeleted","data":{\#(data),"version":1},'x':1}"#,
        #"{\#(envelope),"type":"UserDeleted","data":{\#(data),"version":-}}"#,
        #"{\#(envelope),"type":"UserDeleted","data":{\#(data),"version":1.}}"#,
    ])
    func textThatIsNotJSONIsRefusedAsSuch(_ text: String) {
        #expect(Self.reason(text)?.hasPrefix("not JSON") == true, "\(Self.reason(text) ?? "accepted")")
    }

    @Test
    func invalidUTF8AndDeepNestingAreNotJSON() {
        var bytes = Array(#"{\#(Self.envelope),"type":"UserDeleted","data":{\#(Self.data),"version":1},"x":"ab"}"#.utf8)
        bytes.insert(0xFF, at: bytes.count - 3)
        #expect(throws: EventRejection.self) { try EventContract.read(key: Self.key, value: bytes) }
        let deep = #"{\#(Self.envelope),"type":"UserDeleted","data":{\#(Self.data),"version":1},"x":"# + String(repeating: "[", count: 100_000)
        #expect(Self.reason(deep)?.hasPrefix("not JSON") == true, "nesting is bounded, not a stack overflow")
    }

    /// The shape of the envelope: names and types, each refusal naming its rule.
    @Test(arguments: [
        (#"{\#(envelope),"type":"UserDeleted","data":{\#(data),"version":1},"type":"UserDeleted"}"#, "not a CloudEvent: type appears twice"),
        (#"{\#(envelope),"type":"UserDeleted","data":{\#(data),"version":1,"version":2}}"#, "invalid data: data.version appears twice"),
        (#"{\#(envelope),"type":7,"data":{\#(data),"version":1}}"#, "not a CloudEvent: type must be a string"),
        (#"{\#(envelope),"type":"UserDeleted","repair":"yes","data":{\#(data),"version":1}}"#, "not a CloudEvent: repair must be a boolean"),
        (#"{\#(envelope),"type":"UserDeleted","data":[]}"#, "invalid data: data must be an object"),
        (#"{\#(envelope),"type":"UserDeleted"}"#, "not a CloudEvent: data is missing"),
        (#"{\#(envelope),"type":"UserDeleted","data":{\#(data),"version":1.5}}"#, "invalid data: data.version must be an integer"),
        (#"{\#(envelope),"type":"UserDeleted","data":{\#(data),"version":1e3}}"#, "invalid data: data.version must be an integer"),
        (#"{\#(envelope),"type":"UserDeleted","data":{\#(data),"version":123456789012345678901234567890}}"#, "version out of range"),
        (#"{\#(envelope),"type":"UserDeleted","data":{\#(data),"version":-1}}"#, "version out of range"),
        (#"{\#(envelope),"type":"UserDeleted","data":{"userId":7,"version":1}}"#, "invalid data: data.userId must be a string"),
        (#"{\#(envelope),"type":"UserProfileUpdated","data":{\#(data),"version":1,"name":"A","email":"a@b.co","bio":"","changedFields":"name"}}"#, "invalid data: data.changedFields must be an array"),
        (#"{\#(envelope),"type":"UserProfileUpdated","data":{\#(data),"version":1,"name":"A","email":"a@b.co","bio":"","changedFields":["name","name"]}}"#, "invalid data: data.changedFields names a field twice"),
        (#"{"specversion":"1.0","source":"/user-service","time":"2026-11-22T14:00:00.123Z","type":"UserDeleted","data":{\#(data),"version":1}}"#, "not a CloudEvent: id is missing"),
    ])
    func theShapeOfTheEnvelopeIsChecked(_ example: (text: String, reason: String)) {
        let reason = Self.reason(example.text)
        #expect(reason?.hasPrefix(example.reason) == true, "\(reason ?? "accepted")")
    }

    /// Unknown attributes and members of any JSON type are skipped; `null` optional
    /// attributes are absent; whitespace anywhere JSON allows it.
    @Test
    func unknownMembersNullsAndWhitespaceAreAccepted() throws {
        let text = " {\n\t\(Self.envelope) , \"type\" : \"UserDeleted\", \"correlationid\": null, \"repair\": null,"
            + #" "future": {"a": [1, -2.5e-3, true, false, null, {"b": "\u00e9"}], "c": {}}, "data": { \#(Self.data), "x": [], "version": 7 } } "#
        let read = try EventContract.read(key: Self.key, value: Array(text.utf8))
        guard case .deleted(let event) = read.event else {
            Issue.record("not read as a deletion")
            return
        }
        #expect(event.data.version == 7 && event.correlationid == nil && event.repair == nil)
        #expect(read.userID == Self.user)
    }

    @Test
    func uuidsParseAsFoundationParsesThem() {
        for _ in 0..<1_000 {
            let uuid = UUID()
            #expect(UUID(parsing: uuid.uuidString) == uuid)
            #expect(UUID(parsing: uuid.uuidString.lowercased()) == uuid)
        }
        for text in ["", "8d0c5a8e3c1f4a8a9e0b2b7f7c6f2a10", "8d0c5a8e-3c1f-4a8a-9e0b-2b7f7c6f2a1", "8d0c5a8e-3c1f-4a8a-9e0b-2b7f7c6f2a1g",
                     "8d0c5a8e-3c1f-4a8a-9e0b_2b7f7c6f2a10", "{8d0c5a8e-3c1f-4a8a-9e0b-2b7f7c6f2a1}", " 8d0c5a8e-3c1f-4a8a-9e0b-2b7f7c6f2a1"] {
            #expect(UUID(parsing: text) == nil, "\(text)")
        }
    }

    /// The digits-only path gives the `Date` Foundation's ISO 8601 parser gives, to the last
    /// bit in all but about 3 in 100,000 random times, and otherwise one rounding step apart (well
    /// under a microsecond: the two add the fraction to the seconds in different orders; an
    /// exact comparison failed one CI run in about seven).
    @Test
    func timestampsParseAsFoundationParsesThem() throws {
        func same(_ ours: Date?, _ foundation: Date) -> Bool {
            guard let ours else { return false }
            return abs(ours.timeIntervalSinceReferenceDate - foundation.timeIntervalSinceReferenceDate) < 1e-6
        }
        let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)
        let whole = Date.ISO8601FormatStyle(timeZone: .gmt)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            // 1970 to 2100, millisecond precision, as RFC3339.format writes.
            let date = Date(timeIntervalSince1970: Double(Int64.random(in: 0..<4_102_444_800_000, using: &generator)) / 1000)
            let text = RFC3339.format(date)
            #expect(same(RFC3339.parse(text), try fractional.parse(text)), "\(text)")
            let seconds = String(text.prefix(19)) + "Z"
            #expect(RFC3339.parse(seconds) == (try whole.parse(seconds)), "\(seconds)")
        }
        #expect(RFC3339.parse("2024-02-29T23:59:59.5Z") == (try fractional.parse("2024-02-29T23:59:59.5Z")))
        #expect(RFC3339.parse("2026-11-22T15:00:00.123+01:00") == (try fractional.parse("2026-11-22T14:00:00.123Z")), "offsets go to Foundation")
        // What the digits-only path refuses goes to Foundation, whatever Foundation makes of it.
        for text in ["2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-31T00:00:00Z", "2026-11-22T24:00:00Z", "2026-11-22T14:60:00Z",
                     "2026-11-22T14:00:00.Z", "2026-11-22 14:00:00Z", "2026-11-22T14:00:00.1234567890Z"] {
            #expect(RFC3339.parse(text) == ((try? fractional.parse(text)) ?? (try? whole.parse(text))), "\(text)")
        }
        #expect(RFC3339.parse("yesterday") == nil)
    }
}
