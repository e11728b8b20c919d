import Consumer
import Events
import Foundation
import Kafka
import ServiceConfiguration
import TestSupport
import Testing

/// Every Kafka client a consumer service makes carries the security settings of its
/// environment, read back from the real librdkafka handles.
@Suite("consumer services' Kafka clients use the security settings", .timeLimit(.minutes(2)))
struct ConsumerKafkaSecurityTests {
    static let password = "pw-3f9a1d-never-shown"

    @Test(arguments: [("analytics-service", "analytics"), ("search-service", "search")])
    func everyClientOfTheServiceGetsTheSecuritySettings(group: String, database: String) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kafka-ca-\(UUID().uuidString.prefix(8).lowercased())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let ca = try TestCertificateAuthority(in: directory).certificate.path
        let configuration = try ConsumerConfiguration(group: group, defaultDatabase: database, environment: EnvironmentReader([
            "EVENT_VERIFY_KEYS": TestEventKeys.signing.exported,
            "KAFKA_BROKERS": "127.0.0.1:\(try freeLocalPort())",
            "KAFKA_SECURITY_PROTOCOL": "sasl_ssl", "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512", "KAFKA_SASL_USERNAME": group,
            "KAFKA_SASL_PASSWORD": Self.password, "KAFKA_SSL_CA_LOCATION": ca,
        ]))
        let expected = [
            "security.protocol": "sasl_ssl", "sasl.mechanism": "SCRAM-SHA-512", "sasl.username": group,
            "sasl.password": Self.password, "ssl.ca.location": ca,
        ]
        let capture = LogCapture()
        let logger = capture.logger(group)

        let consumers: [(String, KafkaConsumer)] = [
            (group, try KafkaConsumer(configuration: configuration.groupConsumerConfiguration(), logger: logger)),
            ("\(group)-dlq-check", try KafkaConsumer(configuration: configuration.deadLetterCheckConsumerConfiguration, logger: logger)),
            ("\(group)-redrive", try KafkaConsumer(configuration: configuration.redriveConsumerConfiguration, logger: logger)),
            ("\(group)-rebuild-x", try KafkaConsumer(configuration: configuration.rebuildConsumerConfiguration(group: "\(group)-rebuild-x"), logger: logger)),
        ]
        let producers: [(String, KafkaProducer)] = [
            ("\(group)-dlq", try KafkaProducer(configuration: configuration.deadLetterProducerConfiguration, logger: logger)),
            ("\(group)-redrive", try KafkaProducer(configuration: configuration.redriveProducerConfiguration, logger: logger)),
        ]
        let admin = try configuration.makeAdmin(logger: logger)

        for (name, value) in expected {
            for (groupID, consumer) in consumers {
                #expect(consumer.configurationValue(name) == value, "consumer \(groupID): \(name)")
                #expect(consumer.configurationValue("group.id") == groupID)
            }
            for (clientID, producer) in producers {
                #expect(producer.configurationValue(name) == value, "producer \(clientID): \(name)")
                #expect(producer.configurationValue("client.id") == clientID)
            }
            #expect(try admin.configurationValue(name) == value, "admin: \(name)")
            #expect(try admin.configurationValue(name, group: "\(group)-redrive") == value, "admin's handle for a group's offsets: \(name)")
        }
        for (_, consumer) in consumers { await consumer.close() }
        for line in capture.all { #expect(!line.contains(Self.password), "\(line)") }
    }

    @Test func theHelpTextNamesTheVariables() {
        for name in ["KAFKA_SECURITY_PROTOCOL", "KAFKA_SASL_MECHANISM", "KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD_FILE", "KAFKA_SSL_CA_LOCATION"] {
            #expect(Settings.help(readBy: ["consumers"]).contains(name), "\(name)")
        }
    }
}
