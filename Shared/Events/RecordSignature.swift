import Crypto
import Foundation

/// The authentication of a `user-events` record: an HMAC-SHA256 over the record's key
/// and value bytes, carried in two Kafka headers beside `content-type`.
///
/// - `event-signature-key`: the id of the key that signed (``EventSigningKey/id``);
/// - `event-signature`: the MAC, base64.
///
/// The MAC covers the key's length (4 bytes, big endian), the key, then the value: the
/// bytes exactly as published, so a record altered anywhere after signing, or moved to
/// another user's key, no longer verifies. Topic, partition and headers are not covered:
/// a verified record may be replayed (a duplicate, which dedup and the version rules
/// absorb), never changed. Why a MAC and not a public-key signature is explained in
/// docs/architecture.md ("Event authenticity").
public enum RecordSignature {
    public static let keyIDHeader = "event-signature-key"
    public static let signatureHeader = "event-signature"

    /// The two header values (key id, base64 MAC) for a record.
    public static func sign(key: [UInt8]?, value: [UInt8], with signingKey: EventSigningKey) -> (keyID: String, signature: String) {
        (signingKey.id, Data(mac(key: key, value: value, keyedWith: signingKey)).base64EncodedString())
    }

    /// Checks the headers' MAC against the key they name; throws an `unauthenticated` rejection otherwise.
    public static func verify(
        key: [UInt8]?, value: [UInt8], keyID: String?, signature: String?, keys: EventVerifyKeys
    ) throws(EventRejection) {
        guard let keyID, let signature else {
            throw EventRejection(.unauthenticated, "the record has no \(keyID == nil ? keyIDHeader : signatureHeader) header")
        }
        guard let verifyKey = keys.key(id: keyID) else {
            throw EventRejection(.unauthenticated, "signed with key '\(keyID.prefix(64))', which is not one of the verify keys \(keys.ids)")
        }
        guard let given = Data(base64Encoded: signature), given.count == SHA256.byteCount else {
            throw EventRejection(.unauthenticated, "the \(signatureHeader) header is not a base64 HMAC-SHA256")
        }
        // `==` between a MAC and bytes compares in constant time.
        guard mac(key: key, value: value, keyedWith: verifyKey) == given else {
            throw EventRejection(.unauthenticated, "the signature does not match the record's key and value (altered, or signed with another secret)")
        }
    }

    /// The MAC over the key's length (4 bytes, big endian), the key, then the value: the
    /// three in one buffer, given to the HMAC in one call (each call goes through
    /// swift-crypto's generic `DataProtocol` path, which costs more than copying 500 bytes).
    private static func mac(key: [UInt8]?, value: [UInt8], keyedWith signingKey: EventSigningKey) -> HashedAuthenticationCode<SHA256> {
        let key = key ?? []
        var bytes: [UInt8] = []
        bytes.reserveCapacity(4 + key.count + value.count)
        withUnsafeBytes(of: UInt32(key.count).bigEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: key)
        bytes.append(contentsOf: value)
        var mac = signingKey.keyedMAC
        mac.update(data: bytes)
        return mac.finalize()
    }
}
