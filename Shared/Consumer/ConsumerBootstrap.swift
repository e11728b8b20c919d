import ArgumentParser
import Foundation
import Logging
import Observability
import ServiceConfiguration

/// Reads a consumer service's configuration from the environment and sets up logging and metrics, once per process.
enum ConsumerBootstrap {
    static let discussion = """
        Configuration comes from the environment: HTTP_HOST, HTTP_PORT, DATABASE_URL, KAFKA_BROKERS, KAFKA_TOPIC, \
        LOG_LEVEL, LOG_FORMAT (logfmt|json), LAG_LOG_INTERVAL_SECONDS (5), CONSUMER_BATCH_SIZE (500), MIGRATIONS_PATH.
        """

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
