import Foundation
import JWTKit

/// Creates a development signing key pair: `signing-key.json` (the private Ed25519 JWK,
/// mode 600, for ``TokenIssuer``) and `jwks.json` (its public half, for `AUTH_JWKS`). The
/// local stack does this on its first `up`, compose on its first start; neither file is
/// ever committed.
public enum AccessKeys {
    public static let signingKeyFile = "signing-key.json"
    public static let jwksFile = "jwks.json"

    /// Writes both files into `directory` unless the signing key is already there; returns whether it wrote them.
    @discardableResult
    public static func generate(in directory: String, keyID: String) throws -> Bool {
        let folder = URL(fileURLWithPath: directory)
        let signingKey = folder.appendingPathComponent(signingKeyFile)
        if FileManager.default.fileExists(atPath: signingKey.path) { return false }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let key = try EdDSA.PrivateKey(curve: .ed25519)
        let x = key.publicKey.rawRepresentation.base64URLEncoded
        let d = key.rawRepresentation.base64URLEncoded
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let publicJWK = JWK.octetKeyPair(.eddsa, identifier: JWKIdentifier(string: keyID), x: x, y: nil, curve: .ed25519)
        let privateJWK = JWK.octetKeyPair(.eddsa, identifier: JWKIdentifier(string: keyID), x: x, y: nil, curve: .ed25519, privateKey: d)
        let privateData = try encoder.encode(privateJWK)
        guard FileManager.default.createFile(atPath: signingKey.path, contents: privateData, attributes: [.posixPermissions: 0o600]) else {
            throw TokenRejection("cannot write \(signingKey.path)")
        }
        try encoder.encode(JWKS(keys: [publicJWK])).write(to: folder.appendingPathComponent(jwksFile))
        return true
    }
}
