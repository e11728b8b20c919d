/// A record's CloudEvent as ``JSONScanner`` reads it in one pass: the envelope's
/// attributes, typed, and where each member of `data` that some event type defines
/// starts (`type` may come after `data` — the relay writes keys in sorted order — so
/// `data` is decoded as its type only once the whole envelope has been read).
///
/// A syntax error anywhere is a `not JSON` rejection; an attribute or member of the
/// wrong type, or named twice, is kept as ``problem`` and reported once the whole text is
/// known to be JSON (as a JSON decoder would: the text first, then its shape). Unknown
/// attributes and members are read past (producers may add them).
struct ScannedEnvelope {
    /// The members of `data` the event types define, named by the payloads' `CodingKeys`.
    enum DataMember: Int, CaseIterable {
        case userId, version, name, email, bio, changedFields, watermark

        var name: String { Self.names[rawValue] }

        init?(name: String) {
            guard let index = Self.names.firstIndex(of: name) else { return nil }
            self.init(rawValue: index)
        }

        private static let names: [String] = allCases.map { member in
            switch member {
            case .userId: UserProfileUpdatedData.CodingKeys.userId.rawValue
            case .version: UserProfileUpdatedData.CodingKeys.version.rawValue
            case .name: UserProfileUpdatedData.CodingKeys.name.rawValue
            case .email: UserProfileUpdatedData.CodingKeys.email.rawValue
            case .bio: UserProfileUpdatedData.CodingKeys.bio.rawValue
            case .changedFields: UserProfileUpdatedData.CodingKeys.changedFields.rawValue
            case .watermark: HeartbeatData.CodingKeys.watermark.rawValue
            }
        }
    }

    /// The envelope's attributes (the same for every event type).
    typealias Attribute = CloudEvent<HeartbeatData>.CodingKeys

    private static let attributes = Attribute.allCases

    private let bytes: UnsafeBufferPointer<UInt8>
    // Fixed fields rather than arrays: a record is read in a few microseconds, and two array
    // allocations per record were a visible share of that.
    private var specversion, id, source, type, subject, time, datacontenttype, dataschema, correlationid, traceparent, tracestate: String?
    private(set) var repair: Bool?
    private(set) var hasData = false
    /// Where each ``DataMember``'s value starts (-1: absent), by the member's raw value.
    private var memberStarts: (Int, Int, Int, Int, Int, Int, Int) = (-1, -1, -1, -1, -1, -1, -1)
    /// The first attribute or member of the wrong type, or named twice.
    private(set) var problem: EventRejection?

    /// Reads the whole text; throws a `not JSON` rejection unless it is one JSON object.
    init(_ bytes: UnsafeBufferPointer<UInt8>) throws(EventRejection) {
        self.bytes = bytes
        var scanner = JSONScanner(bytes)
        do throws(JSONScanner.SyntaxError) {
            guard try scanner.peekKind() == .object else { throw JSONScanner.SyntaxError(message: "not an object") }
            var seen: UInt32 = 0
            if try scanner.openObject() {
                repeat {
                    let name = try scanner.readKey()
                    guard let attribute = Attribute(rawValue: name) else {
                        try scanner.skipValue()
                        continue
                    }
                    let bit: UInt32 = 1 << Self.index(of: attribute)
                    if seen & bit != 0 { note(.notCloudEvent, "\(name) appears twice") }
                    seen |= bit
                    try read(attribute, with: &scanner)
                } while try scanner.next(closing: UInt8(ascii: "}"))
            }
            try scanner.expectEnd()
        } catch {
            throw EventRejection(.notJSON, "the value is not a JSON object (\(bytes.count) bytes): \(error.message)")
        }
    }

    /// An attribute's string value (`nil` when absent or `null`).
    subscript(_ attribute: Attribute) -> String? {
        get {
            switch attribute {
            case .specversion: specversion
            case .id: id
            case .source: source
            case .type: type
            case .subject: subject
            case .time: time
            case .datacontenttype: datacontenttype
            case .dataschema: dataschema
            case .correlationid: correlationid
            case .traceparent: traceparent
            case .tracestate: tracestate
            case .repair, .data: nil
            }
        }
        set {
            switch attribute {
            case .specversion: specversion = newValue
            case .id: id = newValue
            case .source: source = newValue
            case .type: type = newValue
            case .subject: subject = newValue
            case .time: time = newValue
            case .datacontenttype: datacontenttype = newValue
            case .dataschema: dataschema = newValue
            case .correlationid: correlationid = newValue
            case .traceparent: traceparent = newValue
            case .tracestate: tracestate = newValue
            case .repair, .data: break
            }
        }
    }

    /// Where a member's value starts, or `nil` when it is absent.
    private func start(of member: DataMember) -> Int? {
        let start = withUnsafeBytes(of: memberStarts) { $0.load(fromByteOffset: member.rawValue * MemoryLayout<Int>.stride, as: Int.self) }
        return start < 0 ? nil : start
    }

    private mutating func setStart(_ start: Int, of member: DataMember) {
        withUnsafeMutableBytes(of: &memberStarts) { $0.storeBytes(of: start, toByteOffset: member.rawValue * MemoryLayout<Int>.stride, as: Int.self) }
    }

    private mutating func read(_ attribute: Attribute, with scanner: inout JSONScanner) throws(JSONScanner.SyntaxError) {
        let kind = try scanner.peekKind()
        switch (attribute, kind) {
        case (.data, .object):
            hasData = true
            try readData(with: &scanner)
        case (.data, _):
            hasData = true
            note(.invalidData, "data must be an object")
            try scanner.skipValue()
        case (_, .null):
            try scanner.readNull()
        case (.repair, .boolean):
            repair = try scanner.readBoolean()
        case (.repair, _):
            note(.notCloudEvent, "repair must be a boolean")
            try scanner.skipValue()
        case (_, .string):
            self[attribute] = try scanner.readString()
        default:
            note(.notCloudEvent, "\(attribute.rawValue) must be a string")
            try scanner.skipValue()
        }
    }

    private mutating func readData(with scanner: inout JSONScanner) throws(JSONScanner.SyntaxError) {
        guard try scanner.openObject() else { return }
        repeat {
            let name = try scanner.readKey()
            if let member = DataMember(name: name) {
                if start(of: member) != nil { note(.invalidData, "data.\(name) appears twice") }
                setStart(scanner.position, of: member)
            }
            try scanner.skipValue()
        } while try scanner.next(closing: UInt8(ascii: "}"))
    }

    private mutating func note(_ rule: EventRejection.Rule, _ detail: String) {
        if problem == nil { problem = EventRejection(rule, detail) }
    }

    private static func index(of attribute: Attribute) -> Int {
        attributes.firstIndex(of: attribute)!
    }

    // MARK: Members of data, read as the event's type needs them

    /// A string member.
    func string(_ member: DataMember) throws(EventRejection) -> String {
        let text = try read(member) { scanner throws(JSONScanner.SyntaxError) in
            try scanner.peekKind() == .string ? scanner.readString() : nil
        }
        guard let text else { throw EventRejection(.invalidData, "data.\(member.name) must be a string") }
        return text
    }

    /// A version: a JSON number without fraction or exponent. One beyond 64 bits is out of
    /// the version range, not unreadable.
    func version(_ member: DataMember) throws(EventRejection) -> Int64 {
        let number = try read(member) { scanner throws(JSONScanner.SyntaxError) in
            try scanner.peekKind() == .number ? scanner.readNumber() : nil
        }
        guard let number, number.isInteger else { throw EventRejection(.invalidData, "data.\(member.name) must be an integer") }
        guard let version = Int64(number.text) else {
            throw EventRejection(.versionOutOfRange, "data.\(member.name) \(number.text.prefix(40)) is outside 1…\(EventVersion.maximum) (2^53−1)")
        }
        return version
    }

    /// An array of profile field names.
    func fields(_ member: DataMember) throws(EventRejection) -> [ProfileField] {
        let names = try read(member) { scanner throws(JSONScanner.SyntaxError) -> [String]? in
            guard try scanner.peekKind() == .array else { return nil }
            var names: [String] = []
            guard try scanner.openArray() else { return names }
            repeat {
                guard try scanner.peekKind() == .string else { return nil }
                names.append(try scanner.readString())
            } while try scanner.next(closing: UInt8(ascii: "]"))
            return names
        }
        guard let names else { throw EventRejection(.invalidData, "data.\(member.name) must be an array of field names") }
        return try names.map { name throws(EventRejection) in
            guard let field = ProfileField(rawValue: name) else {
                throw EventRejection(.invalidData, "data.\(member.name): \"\(name.prefix(40))\" is not one of \(ProfileField.allCases.map(\.rawValue))")
            }
            return field
        }
    }

    /// Runs `body` on a scanner standing before the member's value; a rejection when the
    /// member is absent. The text was read once already, so a syntax error here is not
    /// expected; it is still a rejection, never a crash.
    private func read<Value>(
        _ member: DataMember, _ body: (inout JSONScanner) throws(JSONScanner.SyntaxError) -> Value?
    ) throws(EventRejection) -> Value? {
        guard let start = start(of: member) else { throw EventRejection(.invalidData, "data.\(member.name) is missing") }
        var scanner = JSONScanner(bytes, at: start)
        do throws(JSONScanner.SyntaxError) {
            return try body(&scanner)
        } catch {
            throw EventRejection(.notJSON, error.message)
        }
    }
}
