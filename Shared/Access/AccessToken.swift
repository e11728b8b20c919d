import JWTKit

/// The claims of a bearer token: `sub` (the caller), `iss`, `aud`, `exp`, optionally `nbf`
/// and `iat`, and `scope` (space-separated; `users:admin` for administrators).
/// `verify(using:)` checks the times; the issuer and audience are checked by
/// ``TokenVerifier`` against the configured ones.
public struct AccessToken: JWTPayload, Equatable {
    public var sub: SubjectClaim
    public var iss: IssuerClaim
    public var aud: AudienceClaim
    public var exp: ExpirationClaim
    public var nbf: NotBeforeClaim?
    public var iat: IssuedAtClaim?
    public var scope: String?

    public init(
        sub: SubjectClaim, iss: IssuerClaim, aud: AudienceClaim, exp: ExpirationClaim, nbf: NotBeforeClaim? = nil, iat: IssuedAtClaim? = nil,
        scope: String? = nil
    ) {
        self.sub = sub
        self.iss = iss
        self.aud = aud
        self.exp = exp
        self.nbf = nbf
        self.iat = iat
        self.scope = scope
    }

    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        try nbf?.verifyNotBefore()
    }

    /// The scopes, split on spaces.
    public var scopes: Set<Substring> { Set((scope ?? "").split(separator: " ")) }
}
