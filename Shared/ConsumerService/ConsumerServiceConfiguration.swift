import Access
import Consumer
import HTTPSupport
import Observability
import ServiceConfiguration

/// Everything a consumer service reads from the environment, read once in `main`:
/// the runtime's settings, where its HTTP API listens, and how it logs.
public struct ConsumerServiceConfiguration: Sendable {
    public var consumer: ConsumerConfiguration
    public var http: HTTPServerSettings
    /// The management listener: `/metrics`, `/consistency/*` and the probes.
    public var management: HTTPServerSettings
    /// Bearer tokens on the public routes (`AUTH_JWKS`, …): required to serve, not for `redrive` or `rebuild`.
    public var access: AccessSettings?
    public var logging = LoggingSettings()

    public init(
        consumer: ConsumerConfiguration, http: HTTPServerSettings, management: HTTPServerSettings, access: AccessSettings?,
        logging: LoggingSettings = LoggingSettings()
    ) {
        self.consumer = consumer
        self.http = http
        self.management = management
        self.access = access
        self.logging = logging
    }

    public init<Definition: ConsumerServiceDefinition>(_ definition: Definition.Type, environment: [String: String]) throws(ConfigurationError) {
        let reader = EnvironmentReader(environment)
        self.init(
            consumer: try ConsumerConfiguration(group: Definition.group, defaultDatabase: Definition.defaultDatabase, environment: reader),
            http: try HTTPServerSettings(environment: reader, defaultPort: Definition.defaultPort),
            management: try HTTPServerSettings(managementEnvironment: reader, defaultPort: Definition.defaultManagementPort),
            access: try reader.value(Settings.authJWKS) == nil ? nil : try AccessSettings(environment: reader),
            logging: try LoggingSettings(environment: reader)
        )
    }

    /// The environment variables, for `--help` (from ``Settings``).
    public static let environmentHelp = Settings.help(readBy: ["consumers"])
}
