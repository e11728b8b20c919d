import Events
import Foundation
import Testing

@Suite("the trace context in events: W3C form, the relay's splice, the reader")
struct TraceContextTests {
    static let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    @Test(arguments: [
        (traceparent, true),
        ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", true),
        ("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-later", true),
        ("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x", false),
        ("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", false),
        ("00-00000000000000000000000000000000-00f067aa0ba902b7-01", false),
        ("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", false),
        ("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", false),
        ("00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01", false),
        ("", false),
    ])
    func onlyTheW3CFormIsATraceContext(_ traceparent: String, _ valid: Bool) {
        #expect((TraceContext(traceparent: traceparent) != nil) == valid)
    }

    @Test func aStateThatIsTooLongOrNotPrintableIsDroppedTheParentKept() throws {
        let long = try #require(TraceContext(traceparent: Self.traceparent, tracestate: String(repeating: "a", count: 513)))
        #expect(long.tracestate == nil)
        let control = try #require(TraceContext(traceparent: Self.traceparent, tracestate: "a=\u{1}"))
        #expect(control.tracestate == nil)
        #expect(TraceContext(traceparent: Self.traceparent, tracestate: "a=1,b=2")?.tracestate == "a=1,b=2")
    }

    /// What the relay does to an outbox payload: the attributes added in front, the rest
    /// byte for byte, and the contract's reader gives them back (quotes in the state escaped).
    @Test(arguments: [nil, "vendor=1", #"odd="quoted\value""#])
    func theSplicedEventReadsBackWithItsContext(_ state: String?) throws {
        let user = UUID()
        let userID = user.uuidString.lowercased()
        let payload = try CloudEvent(
            id: UUID().uuidString.lowercased(), source: EventContract.source, type: EventType.userDeleted.rawValue,
            dataschema: EventType.userDeleted.dataschema, subject: userID, time: RFC3339.format(Date()), correlationid: "r",
            data: UserDeletedData(userId: userID, version: 3)
        ).encoded()
        let context = try #require(TraceContext(traceparent: Self.traceparent, tracestate: state))
        let value = EventContract.value(of: payload, tracedBy: context)
        #expect(value.count > payload.count)
        #expect(value.suffix(payload.count - 1) == payload.dropFirst(), "the payload after `{` is unchanged")
        let read = try EventContract.read(key: Array(userID.utf8), value: value)
        #expect(read.traceContext == context)
        let decoded = try JSONDecoder().decode(CloudEvent<UserDeletedData>.self, from: Data(value))
        #expect(decoded.traceparent == Self.traceparent && decoded.tracestate == state)
        #expect(EventContract.traceContext(in: value) == context)
    }

    @Test func aPayloadThatIsNotAnObjectIsSentAsItIs() throws {
        let context = try #require(TraceContext(traceparent: Self.traceparent))
        let payload = Array(" {}".utf8)
        #expect(EventContract.value(of: payload, tracedBy: context) == payload)
    }

    @Test func anEventWithAMalformedTraceparentIsReadWithoutAContext() throws {
        let user = UUID().uuidString.lowercased()
        let value = try CloudEvent(
            id: UUID().uuidString.lowercased(), source: EventContract.source, type: EventType.userDeleted.rawValue, subject: user,
            time: RFC3339.format(Date()), correlationid: nil, traceparent: "not-a-traceparent", data: UserDeletedData(userId: user, version: 1)
        ).encoded()
        let read = try EventContract.read(key: Array(user.utf8), value: value)
        #expect(read.traceContext == nil, "ignored, never a reason to refuse the event")
    }

    @Test func aTraceparentThatIsNotAStringIsNotACloudEvent() throws {
        let user = UUID().uuidString.lowercased()
        let value = #"{"specversion":"1.0","id":"\#(UUID().uuidString.lowercased())","source":"/user-service","type":"UserDeleted","subject":"\#(user)","time":"2026-01-01T00:00:00.000Z","traceparent":42,"data":{"userId":"\#(user)","version":1}}"#
        #expect(throws: EventRejection.self) { try EventContract.read(key: Array(user.utf8), value: Array(value.utf8)) }
    }
}
