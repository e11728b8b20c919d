import Hummingbird
import ServiceConfiguration

/// Where a service listens and how long it waits for clients:
/// `HTTP_HOST`, `HTTP_PORT` and the time-outs of ``HTTPTimeouts``.
public struct HTTPServerSettings: Sendable, Equatable {
    public var host = Settings.httpHost.defaultValue
    public var port: Int
    public var timeouts = HTTPTimeouts()

    public init(host: String = Settings.httpHost.defaultValue, port: Int, timeouts: HTTPTimeouts = HTTPTimeouts()) {
        self.host = host
        self.port = port
        self.timeouts = timeouts
    }

    public init(environment reader: EnvironmentReader, defaultPort: Int) throws(ConfigurationError) {
        self.init(
            host: reader.value(Settings.httpHost),
            port: try reader.value(Settings.httpPort, default: defaultPort),
            timeouts: try HTTPTimeouts(environment: reader)
        )
    }

    /// The management listener (`/metrics`, `/consistency/*`, `/health`, `/ready`):
    /// `MANAGEMENT_HOST` (loopback by default: never exposed unless an operator says so) and
    /// `MANAGEMENT_PORT`, with the same time-outs as the public port.
    public init(managementEnvironment reader: EnvironmentReader, defaultPort: Int) throws(ConfigurationError) {
        self.init(
            host: reader.value(Settings.managementHost),
            port: try reader.value(Settings.managementPort, default: defaultPort),
            timeouts: try HTTPTimeouts(environment: reader)
        )
    }

    /// The application configuration for this address.
    public func applicationConfiguration(serverName: String) -> ApplicationConfiguration {
        ApplicationConfiguration(address: .hostname(host, port: port), serverName: serverName)
    }
}
