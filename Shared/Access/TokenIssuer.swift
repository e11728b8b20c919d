import Foundation
import HTTPSupport
import JWTKit

/// A development token issuer: signs ``AccessToken``s with the private key of
/// `AUTH_SIGNING_KEY_FILE` (an Ed25519 JWK written by ``AccessKeys``). It is what
/// `user-service token` and the scripts use; in production the identity provider issues
/// tokens and the services only hold its JWKS.
public struct TokenIssuer: Sendable {
    let keys: JWTKeyCollection
    let keyID: JWKIdentifier
    public let issuer: String
    public let audience: String

    /// Loads the private JWK (`d` set) from `file`.
    public static func load(signingKeyFile file: String, issuer: String, audience: String) async throws -> TokenIssuer {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw TokenRejection("AUTH_SIGNING_KEY_FILE=\(file): the file cannot be read (scripts/local-stack.sh up creates it)")
        }
        let jwk = try JSONDecoder().decode(JWK.self, from: data)
        guard let keyID = jwk.keyIdentifier else { throw TokenRejection("the signing key has no kid") }
        let keys = JWTKeyCollection()
        try await keys.add(jwk: jwk)
        return TokenIssuer(keys: keys, keyID: keyID, issuer: issuer, audience: audience)
    }

    init(keys: JWTKeyCollection, keyID: JWKIdentifier, issuer: String, audience: String) {
        self.keys = keys
        self.keyID = keyID
        self.issuer = issuer
        self.audience = audience
    }

    /// A signed token for `subject`, with `users:admin` when `admin`, valid for `lifetime`.
    public func token(subject: String, admin: Bool, lifetime: Duration, now: Date = Date()) async throws -> String {
        let claims = AccessToken(
            sub: SubjectClaim(value: subject), iss: IssuerClaim(value: issuer), aud: AudienceClaim(value: [audience]),
            exp: ExpirationClaim(value: now.addingTimeInterval(TimeInterval(lifetime.components.seconds))),
            nbf: NotBeforeClaim(value: now.addingTimeInterval(-5)), iat: IssuedAtClaim(value: now),
            scope: admin ? Caller.adminScope : nil
        )
        return try await keys.sign(claims, kid: keyID)
    }
}
