import ArgumentParser
import AsyncPrimitives
import Crypto
import Events
import Foundation

/// The raw cost of authenticating records on this machine, one core: the MAC the relay and
/// the consumers use (`RecordSignature`), and Ed25519 for comparison (the public-key
/// signature it was chosen over; docs/architecture.md, "Event authenticity"); and, beside
/// them, what a consumer spends reading a record through the contract (`EventContract.read`:
/// the JSON decoding and every rule), on a typical `UserProfileUpdated`.
struct SigningRate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signing-rate", abstract: "Sign and verify rates of the event MAC, and of Ed25519 for comparison."
    )

    @Option var count = 200_000
    @Option(help: "Value size in bytes (an event is about 450).") var size = 450

    func run() throws {
        let signingKey = EventSigningKey.generate(id: "bench")
        let keys = try EventVerifyKeys([signingKey])
        let key = Array(UUID().uuidString.lowercased().utf8)
        let value = [UInt8](repeating: UInt8(ascii: "x"), count: size)
        let clock = ContinuousClock()

        var signature = RecordSignature.sign(key: key, value: value, with: signingKey)
        let signing = clock.measure {
            for _ in 0..<count { signature = RecordSignature.sign(key: key, value: value, with: signingKey) }
        }
        let verifying = try clock.measure {
            for _ in 0..<count {
                try RecordSignature.verify(key: key, value: value, keyID: signature.keyID, signature: signature.signature, keys: keys)
            }
        }

        let edCount = max(1, count / 20)
        let privateKey = Curve25519.Signing.PrivateKey()
        let message = Data(key + value)
        var edSignature = try privateKey.signature(for: message)
        let edSigning = try clock.measure {
            for _ in 0..<edCount { edSignature = try privateKey.signature(for: message) }
        }
        var valid = true
        let edVerifying = clock.measure {
            for _ in 0..<edCount { valid = valid && privateKey.publicKey.isValidSignature(edSignature, for: message) }
        }
        guard valid else { throw ValidationError("an Ed25519 signature did not verify") }
        let user = UUID().uuidString.lowercased()
        let event = CloudEvent(
            id: UUID().uuidString.lowercased(), source: EventContract.source, type: EventType.userProfileUpdated.rawValue, subject: user,
            time: RFC3339.format(Date()), correlationid: UUID().uuidString.lowercased(),
            data: UserProfileUpdatedData(
                userId: user, version: 42, name: "Ada Lovelace", email: "ada.lovelace@example.com",
                bio: "Mathematician; wrote the first published algorithm for a machine.", changedFields: [.name, .bio]
            )
        )
        let record = try event.encoded()
        let userKey = Array(user.utf8)
        let readCount = max(1, count / 4)
        let reading = try clock.measure {
            for _ in 0..<readCount { _ = try EventContract.read(key: userKey, value: record) }
        }
        func rate(_ n: Int, _ duration: Duration) -> Double { Double(n) / duration.inSeconds }
        print(String(
            format: "size=%d hmac_sign_per_s=%.0f hmac_verify_per_s=%.0f ed25519_sign_per_s=%.0f ed25519_verify_per_s=%.0f contract_read_per_s=%.0f contract_record_bytes=%d",
            size, rate(count, signing), rate(count, verifying), rate(edCount, edSigning), rate(edCount, edVerifying),
            rate(readCount, reading), record.count
        ))
    }
}
