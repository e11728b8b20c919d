import Hummingbird
import ServiceConfiguration

/// Where a service listens and how long it waits for clients:
/// `HTTP_HOST`, `HTTP_PORT` and the time-outs of ``HTTPTimeouts``.
public struct HTTPServerSettings: Sendable, Equatable {
    public var host = "0.0.0.0"
    public var port: Int
    public var timeouts = HTTPTimeouts()

    public init(host: String = "0.0.0.0", port: Int, timeouts: HTTPTimeouts = HTTPTimeouts()) {
        self.host = host
        self.port = port
        self.timeouts = timeouts
    }

    public init(environment reader: EnvironmentReader, defaultPort: Int) throws(ConfigurationError) {
        self.init(
            host: reader.string("HTTP_HOST", default: "0.0.0.0"),
            port: try reader.integer("HTTP_PORT", default: defaultPort, range: 0...65535),
            timeouts: try HTTPTimeouts(environment: reader)
        )
    }

    /// The management listener (`/metrics`, `/consistency/*`, `/health`, `/ready`):
    /// `MANAGEMENT_HOST` (loopback by default: never exposed unless an operator says so) and
    /// `MANAGEMENT_PORT`, with the same time-outs as the public port.
    public init(managementEnvironment reader: EnvironmentReader, defaultPort: Int) throws(ConfigurationError) {
        self.init(
            host: reader.string("MANAGEMENT_HOST", default: "127.0.0.1"),
            port: try reader.integer("MANAGEMENT_PORT", default: defaultPort, range: 0...65535),
            timeouts: try HTTPTimeouts(environment: reader)
        )
    }

    /// For `--help`.
    public static let environmentHelp = "HTTP_HOST, HTTP_PORT, MANAGEMENT_HOST (127.0.0.1), MANAGEMENT_PORT, \(HTTPTimeouts.environmentHelp)"

    /// The application configuration for this address.
    public func applicationConfiguration(serverName: String) -> ApplicationConfiguration {
        ApplicationConfiguration(address: .hostname(host, port: port), serverName: serverName)
    }
}
