/// The keys a consumer accepts records from, by id: usually one, two while a key is
/// rotated (consumers get the new key first, then user-service signs with it, then the
/// old one is removed). Written comma separated in `EVENT_VERIFY_KEYS`.
public struct EventVerifyKeys: Sendable, CustomStringConvertible {
    let keys: [String: EventSigningKey]

    public init(_ keys: [EventSigningKey]) throws(EventKeyError) {
        var byID: [String: EventSigningKey] = [:]
        for key in keys {
            guard byID[key.id] == nil else { throw EventKeyError("event key id '\(key.id)' is given twice") }
            byID[key.id] = key
        }
        guard !byID.isEmpty else { throw EventKeyError("at least one event verify key is needed") }
        self.keys = byID
    }

    /// Parses `<id>:<base64>[,<id>:<base64>…]`; entries may also stand on lines of their own (a key file).
    public init(parsing text: String) throws(EventKeyError) {
        var keys: [EventSigningKey] = []
        for entry in text.split(whereSeparator: { $0 == "," || $0.isNewline }) where !entry.allSatisfy(\.isWhitespace) {
            keys.append(try EventSigningKey(parsing: String(entry)))
        }
        try self.init(keys)
    }

    /// The key with this id, if it is one of these.
    public func key(id: String) -> EventSigningKey? {
        keys[id]
    }

    /// The ids, sorted (for logs and `/ready`-style descriptions; never the secrets).
    public var ids: [String] { keys.keys.sorted() }

    public var description: String { "event verify keys \(ids) (secrets not shown)" }
}
