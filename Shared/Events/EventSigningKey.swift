import Crypto
import Foundation

/// A key that authenticates `user-events` records: an id (named in every record it
/// signs, so consumers can hold several while a key is rotated) and a secret of at
/// least 32 random bytes.
///
/// Written as `<id>:<base64 secret>` in `EVENT_SIGNING_KEY` (user-service) and, comma
/// separated, in `EVENT_VERIFY_KEYS` (consumers). The secret never appears in a
/// description, a log line or an error.
public struct EventSigningKey: Sendable, CustomStringConvertible {
    /// 1–64 letters, digits, `.`, `_` or `-`.
    public let id: String
    /// The secret's bytes (for ``exported``).
    private let secretBytes: [UInt8]
    /// An HMAC keyed with the secret and given no data yet: each record's MAC starts from a
    /// copy, because keying an HMAC (padding the key, hashing both pads) cost as much as
    /// authenticating a whole record.
    let keyedMAC: HMAC<SHA256>

    public static let minimumSecretBytes = 32

    /// Parses `<id>:<base64 secret>`.
    public init(parsing text: String) throws(EventKeyError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let colon = trimmed.firstIndex(of: ":") else {
            throw EventKeyError("an event key is written <id>:<base64 secret>, and this one has no ':'")
        }
        let id = String(trimmed[..<colon])
        guard Self.isValidID(id) else {
            throw EventKeyError("an event key's id must be 1–64 letters, digits, '.', '_' or '-', not '\(id.prefix(64))'")
        }
        guard let bytes = Data(base64Encoded: String(trimmed[trimmed.index(after: colon)...])) else {
            throw EventKeyError("the secret of event key '\(id)' is not base64")
        }
        guard bytes.count >= Self.minimumSecretBytes else {
            throw EventKeyError("the secret of event key '\(id)' has \(bytes.count) bytes; at least \(Self.minimumSecretBytes) random bytes are needed")
        }
        self.init(id: id, secretBytes: Array(bytes))
    }

    /// A new key with 32 random bytes (for tests and for the scripts' first start).
    public static func generate(id: String) -> EventSigningKey {
        EventSigningKey(id: id, secretBytes: SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
    }

    private init(id: String, secretBytes: [UInt8]) {
        self.id = id
        self.secretBytes = secretBytes
        self.keyedMAC = HMAC(key: SymmetricKey(data: secretBytes))
    }

    /// `<id>:<base64 secret>`, the form the environment takes. A secret: never log it.
    public var exported: String {
        "\(id):\(Data(secretBytes).base64EncodedString())"
    }

    public var description: String { "event key '\(id)' (secret not shown)" }

    static func isValidID(_ id: String) -> Bool {
        (1...64).contains(id.utf8.count) && id.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || [".", "_", "-"].contains(scalar))
        }
    }
}
