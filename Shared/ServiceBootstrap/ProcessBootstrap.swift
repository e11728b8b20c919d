import ArgumentParser
import Foundation
import Logging
import Observability
import ServiceConfiguration

/// The start of every process, the same for every service and command: read
/// the configuration once from the environment (a bad value becomes a
/// command-line error with its message), then set up logging, the metrics registry and
/// the tracer (OpenTelemetry's variables, ``TracingSettings``).
public enum ProcessBootstrap {
    public static func start<Configuration: Sendable>(
        service: String,
        logging: (Configuration) -> LoggingSettings,
        read: ([String: String]) throws(ConfigurationError) -> Configuration
    ) throws -> (Configuration, Telemetry, Logger) {
        let environment = ProcessInfo.processInfo.environment
        let configuration: Configuration
        let tracing: TracingSettings
        do {
            configuration = try read(environment)
            tracing = try TracingSettings.read(service: service, environment: environment)
        } catch {
            throw ValidationError(error.description)
        }
        let settings = logging(configuration)
        Telemetry.bootstrapProcess(service: service, level: settings.level, format: settings.format)
        let logger = Logger(label: service)
        let telemetry = try Telemetry(tracing: tracing, logger: logger)
        return (configuration, telemetry, logger)
    }
}
