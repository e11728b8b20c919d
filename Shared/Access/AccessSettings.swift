import ServiceConfiguration

/// Who may call a service's public routes, read once from the environment: the JWKS that
/// verifies bearer tokens (`AUTH_JWKS`, a file path or an http(s) URL; required), the issuer
/// and audience every token must name, and the per-caller rate limit.
public struct AccessSettings: Sendable, Equatable {
    public var jwks: String
    public var issuer: String
    public var audience: String
    /// `RATE_LIMIT_PER_SECOND` / `RATE_LIMIT_BURST`: a token bucket per caller.
    public var ratePerSecond: Int
    public var burst: Int

    public static let defaultIssuer = Settings.authIssuer.defaultValue
    public static let defaultAudience = Settings.authAudience.defaultValue

    public init(
        jwks: String, issuer: String = defaultIssuer, audience: String = defaultAudience,
        ratePerSecond: Int = Settings.rateLimitPerSecond.defaultValue, burst: Int = Settings.rateLimitBurst.defaultValue
    ) {
        self.jwks = jwks
        self.issuer = issuer
        self.audience = audience
        self.ratePerSecond = ratePerSecond
        self.burst = burst
    }

    public init(environment reader: EnvironmentReader) throws(ConfigurationError) {
        guard let jwks = try reader.value(Settings.authJWKS) else { throw Self.missingJWKS }
        self.init(
            jwks: jwks,
            issuer: reader.value(Settings.authIssuer),
            audience: reader.value(Settings.authAudience),
            ratePerSecond: try reader.value(Settings.rateLimitPerSecond),
            burst: try reader.value(Settings.rateLimitBurst)
        )
    }

    /// The error of a service started without `AUTH_JWKS`.
    public static let missingJWKS = ConfigurationError(
        "AUTH_JWKS is required to serve the API: the JWKS (a file path or an http(s) URL) whose keys verify bearer tokens; "
            + "scripts/local-stack.sh up writes one to .local/auth/jwks.json"
    )
}
