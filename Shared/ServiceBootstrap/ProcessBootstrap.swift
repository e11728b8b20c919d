import ArgumentParser
import Foundation
import Logging
import Observability
import ServiceConfiguration

/// The start of every process, the same for every service and command: read
/// the configuration once from the environment (a bad value becomes a
/// command-line error with its message), then set up logging and the metrics registry.
public enum ProcessBootstrap {
    public static func start<Configuration: Sendable>(
        service: String,
        logging: (Configuration) -> LoggingSettings,
        read: ([String: String]) throws(ConfigurationError) -> Configuration
    ) throws -> (Configuration, Telemetry, Logger) {
        let configuration: Configuration
        do {
            configuration = try read(ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError(error.description)
        }
        let telemetry = Telemetry()
        let settings = logging(configuration)
        Telemetry.bootstrapProcess(service: service, level: settings.level, format: settings.format)
        return (configuration, telemetry, Logger(label: service))
    }
}
