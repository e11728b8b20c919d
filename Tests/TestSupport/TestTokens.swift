import Access
import Crypto
import Foundation
import HTTPSupport

/// Bearer tokens for the tests, signed with an Ed25519 key made when the test process
/// starts (never written anywhere but a temporary JWKS file of its public half). Tokens are
/// put together here by hand, with swift-crypto, independently of the code under test
/// (jwt-kit in `TokenVerifier`), so the tests can also make every kind of bad token.
public enum TestTokens {
    public static let keyID = "test-key"
    static let key = Curve25519.Signing.PrivateKey()

    /// The JWKS file the services under test verify against (`AUTH_JWKS`).
    public static let jwksFile: String = {
        let x = base64URL(key.publicKey.rawRepresentation)
        let json = #"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"\#(x)","kid":"\#(keyID)","alg":"EdDSA","use":"sig"}]}"#
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("test-jwks-\(UUID().uuidString).json").path
        _ = FileManager.default.createFile(atPath: path, contents: Data(json.utf8))
        return path
    }()

    /// Access settings for a service under test: the test JWKS, a rate limit the tests never reach.
    public static var settings: AccessSettings {
        AccessSettings(jwks: jwksFile, ratePerSecond: 1_000_000, burst: 1_000_000)
    }

    /// An administrator's token (`users:admin`), valid for a day: what the harnesses send.
    public static let admin = token(subject: "test-admin", scope: Caller.adminScope)

    /// A signed token with these claims; `nil` leaves a claim out.
    public static func token(
        subject: String?, scope: String? = nil, issuer: String? = AccessSettings.defaultIssuer, audience: String? = AccessSettings.defaultAudience,
        expires: Date? = Date().addingTimeInterval(86_400), notBefore: Date? = nil, keyID: String? = keyID, algorithm: String = "EdDSA"
    ) -> String {
        var claims: [String: Any] = [:]
        if let subject { claims["sub"] = subject }
        if let scope { claims["scope"] = scope }
        if let issuer { claims["iss"] = issuer }
        if let audience { claims["aud"] = audience }
        if let expires { claims["exp"] = Int(expires.timeIntervalSince1970) }
        if let notBefore { claims["nbf"] = Int(notBefore.timeIntervalSince1970) }
        var header: [String: Any] = ["alg": algorithm, "typ": "JWT"]
        if let keyID { header["kid"] = keyID }
        let input = part(header) + "." + part(claims)
        let signature = algorithm == "EdDSA" ? base64URL((try? key.signature(for: Data(input.utf8))) ?? Data()) : ""
        return input + "." + signature
    }

    /// A token of `alg: HS256` whose HMAC secret is the service's public key (the classic
    /// algorithm-confusion attack), or `alg: none` with no signature.
    public static func hmacWithThePublicKey(subject: String) -> String {
        let input = part(["alg": "HS256", "typ": "JWT", "kid": keyID]) + "." + part(standardClaims(subject: subject))
        let mac = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: key.publicKey.rawRepresentation))
        return input + "." + base64URL(Data(mac))
    }

    public static func unsigned(subject: String) -> String {
        part(["alg": "none", "typ": "JWT"]) + "." + part(standardClaims(subject: subject)) + "."
    }

    /// A token signed by another key that claims this service's key id.
    public static func signedByAnotherKey(subject: String) -> String {
        let input = part(["alg": "EdDSA", "typ": "JWT", "kid": "unknown-key"]) + "." + part(standardClaims(subject: subject))
        return input + "." + base64URL((try? Curve25519.Signing.PrivateKey().signature(for: Data(input.utf8))) ?? Data())
    }

    static func standardClaims(subject: String) -> [String: Any] {
        ["sub": subject, "iss": AccessSettings.defaultIssuer, "aud": AccessSettings.defaultAudience, "exp": Int(Date().timeIntervalSince1970) + 3600]
    }

    static func part(_ object: [String: Any]) -> String {
        base64URL((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
