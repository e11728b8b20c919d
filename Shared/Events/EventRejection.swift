/// Why a `user-events` record is refused: the rule it breaks, and the particulars.
///
/// Its ``description`` (`<rule>: <detail>`) is what a dead letter carries in `dlq-error`,
/// so an operator reading the dead-letter topic sees which rule a record broke.
public struct EventRejection: Error, Sendable, Equatable, CustomStringConvertible {
    /// A rule of the contract, by the words a dead letter names it with.
    public struct Rule: RawRepresentable, Sendable, Hashable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        init(_ rawValue: String) { self.rawValue = rawValue }

        /// No signature, an unknown key id, or a MAC that does not match the key and value.
        public static let unauthenticated = Rule("unauthenticated")
        /// The value is not a JSON object.
        public static let notJSON = Rule("not JSON")
        /// Not a CloudEvents 1.0 envelope with the attributes the contract requires.
        public static let notCloudEvent = Rule("not a CloudEvent")
        public static let unknownType = Rule("unknown event type")
        /// `source` is not user-service's.
        public static let unknownSource = Rule("source is not user-service")
        /// The record key is not the event's `subject`.
        public static let keyMismatch = Rule("key does not match subject")
        /// `subject` is not `data.userId`.
        public static let subjectMismatch = Rule("subject does not match data.userId")
        /// `data` is missing a field or has one of the wrong type.
        public static let invalidData = Rule("invalid data")
        /// A profile field breaks ``ProfileRules``.
        public static let fieldRule = Rule("field rule")
        /// `data.version` outside 1…2^53−1.
        public static let versionOutOfRange = Rule("version out of range")
    }

    public let rule: Rule
    public let detail: String

    public init(_ rule: Rule, _ detail: String) {
        self.rule = rule
        self.detail = detail
    }

    public var description: String { "\(rule.rawValue): \(detail)" }
}
