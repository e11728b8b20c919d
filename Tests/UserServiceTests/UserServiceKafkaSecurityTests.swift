import Foundation
import Kafka
import ServiceConfiguration
import Testing
import TestSupport
@testable import UserService

/// user-service's producer and admin carry the security settings of its environment,
/// read back from the real librdkafka handles.
@Suite("user-service's Kafka clients use the security settings", .timeLimit(.minutes(2)))
struct UserServiceKafkaSecurityTests {
    static let password = "pw-71c0be-never-shown"

    @Test func theProducerAndTheAdminGetTheSecuritySettings() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kafka-ca-\(UUID().uuidString.prefix(8).lowercased())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let ca = try TestCertificateAuthority(in: directory).certificate.path
        let passwordFile = directory.appendingPathComponent("password")
        try Data(Self.password.utf8).write(to: passwordFile)
        let configuration = try UserServiceConfiguration(environment: [
            "KAFKA_BROKERS": "127.0.0.1:\(try freeLocalPort())",
            "KAFKA_SECURITY_PROTOCOL": "sasl_ssl", "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512", "KAFKA_SASL_USERNAME": "user-service",
            "KAFKA_SASL_PASSWORD_FILE": passwordFile.path, "KAFKA_SSL_CA_LOCATION": ca,
        ])
        let capture = LogCapture()
        let logger = capture.logger("user-service")
        let producer = try KafkaProducer(configuration: configuration.producerConfiguration, logger: logger)
        let admin = try configuration.makeAdmin(logger: logger)
        for (name, value) in [
            "security.protocol": "sasl_ssl", "sasl.mechanism": "SCRAM-SHA-512", "sasl.username": "user-service",
            "sasl.password": Self.password, "ssl.ca.location": ca,
        ] {
            #expect(producer.configurationValue(name) == value, "producer: \(name)")
            #expect(try admin.configurationValue(name) == value, "admin: \(name)")
        }
        #expect(producer.configurationValue("client.id") == "user-service")
        #expect(producer.configurationValue("message.timeout.ms") == "0", "the producer's own settings are unchanged")
        _ = await admin.isReachable(timeout: .milliseconds(500))
        for line in capture.all { #expect(!line.contains(Self.password), "\(line)") }
    }
}
