import ArgumentParser
import Foundation
import Kafka
import Logging
import Observability
import ServiceConfiguration
import ServiceLifecycle
import UnixSignals

/// Hosts librdkafka's mock cluster on 127.0.0.1:9092 for runs without Docker.
public struct LocalBrokerCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "local-broker",
        abstract: "librdkafka's in-memory mock Kafka cluster, reachable at a fixed address.",
        discussion: """
            Creates the topic (default user-events, 6 partitions) and the dead-letter topics \
            <topic>.analytics-service.dlq and <topic>.search-service.dlq.
            The mock keeps about 5 MB per partition in memory; older records are dropped.
            Fault injection: SIGUSR1 takes the broker down, SIGUSR2 brings it back.
            """
    )

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (the well-known Kafka port by default).")
    var port = 9092

    @Option(help: "Topic to create (default: KAFKA_TOPIC, else user-events).")
    var topic: String?

    @Option(help: "Partitions of the topic.")
    var partitions = 6

    @Option(help: "Consumer groups whose dead-letter topics to create.")
    var groups = ["analytics-service", "search-service"]

    public init() {}

    public func run() async throws {
        // The environment is read once, here, as every service reads it: a bad LOG_LEVEL or
        // LOG_FORMAT is an error, not a silent fallback.
        let reader = EnvironmentReader(ProcessInfo.processInfo.environment)
        let logging: LoggingSettings
        do {
            logging = try LoggingSettings(environment: reader)
        } catch {
            throw ValidationError(error.description)
        }
        let topic = self.topic ?? reader.value(Settings.kafkaTopic)
        Telemetry.bootstrapProcess(service: "local-broker", level: logging.level, format: logging.format)
        let logger = Logger(label: "local-broker")

        let cluster = try MockKafkaCluster(brokers: 1, logger: logger)
        try cluster.createTopic(topic, partitions: partitions)
        for group in groups {
            try cluster.createTopic("\(topic).\(group).dlq", partitions: 1)
        }
        let bootstrap = cluster.bootstrapServers.split(separator: ",").first.map(String.init) ?? ""
        guard let colon = bootstrap.lastIndex(of: ":"), let targetPort = Int(bootstrap[bootstrap.index(after: colon)...]) else {
            throw ValidationError("unexpected mock bootstrap address \(bootstrap)")
        }
        logger.info(
            "local broker ready",
            metadata: [
                "bootstrap": "\(host):\(port)", "mock_broker": "\(bootstrap)", "topic": "\(topic)",
                "partitions": "\(partitions)", "dead_letter_topics": "\(groups.map { "\(topic).\($0).dlq" }.joined(separator: ","))",
            ]
        )
        let forwarder = TCPForwarder(
            listenHost: host, listenPort: port,
            targetHost: String(bootstrap[..<colon]), targetPort: targetPort, logger: logger
        )
        let group = ServiceGroup(
            configuration: .init(
                services: [forwarder, FaultInjectionSignals(cluster: cluster, logger: logger)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
        withExtendedLifetime(cluster) {}
        logger.info("local broker stopped")
    }
}
