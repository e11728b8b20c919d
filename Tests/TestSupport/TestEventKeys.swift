import Events
import Kafka

/// The event keys of a test process: generated at start, never written anywhere. The
/// relay signs with ``signing``; consumers verify with ``verify``, which also holds a
/// second key (a rotation in progress) that signs nothing unless a test asks.
public enum TestEventKeys {
    public static let signing = EventSigningKey.generate(id: "test-1")
    /// A second accepted key, as during a rotation.
    public static let rotated = EventSigningKey.generate(id: "test-2")
    /// A key no consumer accepts (an attacker's, or a misconfigured producer's).
    public static let unknown = EventSigningKey.generate(id: "test-unknown")

    public static var verify: EventVerifyKeys { try! EventVerifyKeys([signing, rotated]) }

    /// `content-type` and the signature headers, as the relay sends them.
    public static func headers(key: [UInt8]?, value: [UInt8], signedWith signingKey: EventSigningKey = signing) -> [KafkaHeader] {
        let signature = RecordSignature.sign(key: key, value: value, with: signingKey)
        return [
            KafkaHeader(name: "content-type", string: "application/cloudevents+json"),
            KafkaHeader(name: RecordSignature.keyIDHeader, string: signature.keyID),
            KafkaHeader(name: RecordSignature.signatureHeader, string: signature.signature),
        ]
    }
}
