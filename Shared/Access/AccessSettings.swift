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

    public static let defaultIssuer = "event-driven-users"
    public static let defaultAudience = "event-driven-users"

    public init(jwks: String, issuer: String = defaultIssuer, audience: String = defaultAudience, ratePerSecond: Int = 100, burst: Int = 200) {
        self.jwks = jwks
        self.issuer = issuer
        self.audience = audience
        self.ratePerSecond = ratePerSecond
        self.burst = burst
    }

    public init(environment reader: EnvironmentReader) throws(ConfigurationError) {
        guard let jwks = reader.optionalString("AUTH_JWKS") else { throw Self.missingJWKS }
        self.init(
            jwks: jwks,
            issuer: reader.string("AUTH_ISSUER", default: Self.defaultIssuer),
            audience: reader.string("AUTH_AUDIENCE", default: Self.defaultAudience),
            ratePerSecond: try reader.integer("RATE_LIMIT_PER_SECOND", default: 100, range: 1...1_000_000),
            burst: try reader.integer("RATE_LIMIT_BURST", default: 200, range: 1...1_000_000)
        )
    }

    /// The error of a service started without `AUTH_JWKS`.
    public static let missingJWKS = ConfigurationError(
        "AUTH_JWKS is required to serve the API: the JWKS (a file path or an http(s) URL) whose keys verify bearer tokens; "
            + "scripts/local-stack.sh up writes one to .local/auth/jwks.json"
    )

    /// For `--help`.
    public static let environmentHelp = """
        AUTH_JWKS (required: a JWKS file or URL), AUTH_ISSUER (\(defaultIssuer)), AUTH_AUDIENCE (\(defaultAudience)), \
        RATE_LIMIT_PER_SECOND (100), RATE_LIMIT_BURST (200)
        """
}
