import ArgumentParser
import Foundation
import Logging
import Observability
import ServiceConfiguration

/// Reads a consumer service's configuration from the environment and sets up logging and metrics, once per process.
enum ConsumerBootstrap {
    static func start<Definition: ConsumerServiceDefinition>(_ definition: Definition.Type) throws -> (ConsumerConfiguration, Telemetry, Logger) {
        let configuration: ConsumerConfiguration
        do {
            configuration = try ConsumerConfiguration(
                group: Definition.group, defaultPort: Definition.defaultPort, defaultDatabase: Definition.defaultDatabase,
                environment: ProcessInfo.processInfo.environment
            )
        } catch {
            throw ValidationError(error.description)
        }
        let telemetry = Telemetry()
        Telemetry.bootstrapProcess(service: Definition.group, level: configuration.logLevel, format: configuration.logFormat, telemetry: telemetry)
        return (configuration, telemetry, Logger(label: Definition.group))
    }
}
