import Foundation
import Kafka
import ServiceConfiguration
import TestSupport
import Testing

/// `KAFKA_SECURITY_PROTOCOL`, `KAFKA_SASL_*` and `KAFKA_SSL_CA_LOCATION`: validated when
/// read, and what reaches librdkafka, read back from real client handles.
@Suite("Kafka security settings", .timeLimit(.minutes(2)))
struct KafkaSecurityTests {
    static let password = "pw-8c1e0f-never-shown"

    /// A CA certificate file for `ssl.ca.location` (librdkafka loads it when the handle is created).
    static func withCertificateAuthority<T>(_ body: (URL) async throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kafka-ca-\(UUID().uuidString.prefix(8).lowercased())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        return try await body(try TestCertificateAuthority(in: directory).certificate)
    }

    static func security(_ environment: [String: String]) throws(ConfigurationError) -> KafkaSecurity {
        try KafkaSecurity(environment: EnvironmentReader(environment))
    }

    static func errorText(_ environment: [String: String]) -> String {
        do {
            _ = try security(environment)
            return "accepted"
        } catch {
            return error.description
        }
    }

    @Test func plaintextIsTheDefault() throws {
        let security = try Self.security([:])
        #expect(security == KafkaSecurity())
        #expect(security.librdkafkaProperties == ["security.protocol": "plaintext"])
    }

    @Test func anUnknownProtocolIsAnErrorNamingTheAllowedValues() {
        let text = Self.errorText(["KAFKA_SECURITY_PROTOCOL": "tls"])
        #expect(text == "KAFKA_SECURITY_PROTOCOL=tls must be one of plaintext, ssl, sasl_plaintext, sasl_ssl")
    }

    @Test func aSASLProtocolWithoutMechanismUserOrPasswordIsAnError() {
        let complete = [
            "KAFKA_SECURITY_PROTOCOL": "sasl_ssl", "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
            "KAFKA_SASL_USERNAME": "user-service", "KAFKA_SASL_PASSWORD": Self.password,
        ]
        for (missing, words) in [
            ("KAFKA_SASL_MECHANISM", "KAFKA_SASL_MECHANISM is required with KAFKA_SECURITY_PROTOCOL=sasl_ssl: one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512"),
            ("KAFKA_SASL_USERNAME", "KAFKA_SASL_USERNAME is required"),
            ("KAFKA_SASL_PASSWORD", "KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_FILE) is required"),
        ] {
            var environment = complete
            environment[missing] = nil
            let text = Self.errorText(environment)
            #expect(text.contains(words), "\(text)")
            #expect(!text.contains(Self.password))
        }
        #expect(Self.errorText(complete.merging(["KAFKA_SASL_MECHANISM": "GSSAPI"]) { $1 }).contains("KAFKA_SASL_MECHANISM=GSSAPI must be one of"))
        #expect(Self.errorText(complete.merging(["KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT"]) { $1 }) == "accepted", "case does not matter")
    }

    @Test func aSettingTheProtocolWouldIgnoreIsAnError() throws {
        let text = Self.errorText(["KAFKA_SASL_USERNAME": "user-service", "KAFKA_SASL_PASSWORD": Self.password])
        #expect(text.contains("KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD set, but KAFKA_SECURITY_PROTOCOL=plaintext does not use SASL"), "\(text)")
        #expect(!text.contains(Self.password))
        #expect(Self.errorText(["KAFKA_SECURITY_PROTOCOL": "sasl_plaintext", "KAFKA_SASL_MECHANISM": "PLAIN", "KAFKA_SASL_USERNAME": "u",
                                "KAFKA_SASL_PASSWORD": "p", "KAFKA_SSL_CA_LOCATION": "/etc/hostname"])
            .contains("KAFKA_SSL_CA_LOCATION set, but KAFKA_SECURITY_PROTOCOL=sasl_plaintext does not use TLS"))
        #expect(Self.errorText(["KAFKA_SECURITY_PROTOCOL": "ssl", "KAFKA_SSL_CA_LOCATION": "/nonexistent/ca.pem"])
            == "KAFKA_SSL_CA_LOCATION=/nonexistent/ca.pem: no such file or directory")
    }

    @Test func thePasswordIsReadFromTheFileAndNeverShown() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("kafka-password-\(UUID().uuidString)")
        try Data("\(Self.password)\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let environment = [
            "KAFKA_SECURITY_PROTOCOL": "sasl_plaintext", "KAFKA_SASL_MECHANISM": "scram-sha-256",
            "KAFKA_SASL_USERNAME": "search-service", "KAFKA_SASL_PASSWORD_FILE": file.path,
        ]
        let security = try Self.security(environment)
        #expect(security.sasl == KafkaSecurity.SASLCredentials(mechanism: .scramSHA256, username: "search-service", password: Self.password))
        var producer = KafkaProducerConfiguration(bootstrapServers: "127.0.0.1:9092")
        producer.security = security
        var dumped = ""
        dump(producer, to: &dumped)
        for shown in [
            security.description, String(reflecting: security), "\(security.sasl!)", String(reflecting: security.sasl!),
            "\(producer)", String(reflecting: producer), dumped,
        ] {
            #expect(!shown.contains(Self.password), "\(shown)")
        }
        #expect(security.description == "security.protocol=sasl_plaintext sasl.mechanism=SCRAM-SHA-256 sasl.username=search-service sasl.password=***")
        let both = Self.errorText(environment.merging(["KAFKA_SASL_PASSWORD": Self.password]) { $1 })
        #expect(both == "set KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE, not both")
    }

    @Test func everyKindOfClientHandsTheSettingsToLibrdkafka() async throws {
        try await Self.withCertificateAuthority { ca in
            let security = try Self.security([
                "KAFKA_SECURITY_PROTOCOL": "sasl_ssl", "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512", "KAFKA_SASL_USERNAME": "analytics-service",
                "KAFKA_SASL_PASSWORD": Self.password, "KAFKA_SSL_CA_LOCATION": ca.path,
            ])
            let expected = [
                "security.protocol": "sasl_ssl", "sasl.mechanism": "SCRAM-SHA-512", "sasl.username": "analytics-service",
                "sasl.password": Self.password, "ssl.ca.location": ca.path,
            ]
            // Nothing listens there: the clients try to connect and log their failures, which must not show the password.
            let brokers = "127.0.0.1:\(try freeLocalPort())"
            let capture = LogCapture()
            let logger = capture.logger("kafka-security")

            var producerConfiguration = KafkaProducerConfiguration(bootstrapServers: brokers)
            producerConfiguration.security = security
            let producer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
            var consumerConfiguration = KafkaConsumerConfiguration(bootstrapServers: brokers, groupID: "analytics-service")
            consumerConfiguration.security = security
            let consumer = try KafkaConsumer(configuration: consumerConfiguration, logger: logger)
            let admin = try KafkaAdmin(bootstrapServers: brokers, security: security, logger: logger)

            for (name, value) in expected {
                #expect(producer.configurationValue(name) == value, "producer \(name)")
                #expect(consumer.configurationValue(name) == value, "consumer \(name)")
                #expect(try admin.configurationValue(name) == value, "admin \(name)")
                #expect(try admin.configurationValue(name, group: "analytics-service") == value, "admin's group handle \(name)")
            }
            #expect(consumer.configurationValue("group.id") == "analytics-service")
            // Let them try the broker and log about it.
            _ = await admin.isReachable(timeout: .milliseconds(500))
            await consumer.close()
            #expect(!capture.all.isEmpty, "the clients logged their connection attempts")
            for line in capture.all { #expect(!line.contains(Self.password), "\(line)") }
        }
    }

    @Test func rawPropertiesStillWinOverTheSecuritySettings() throws {
        var configuration = KafkaConsumerConfiguration(bootstrapServers: "127.0.0.1:9092", groupID: "g")
        configuration.security = try KafkaSecurity(securityProtocol: .ssl)
        configuration.properties = ["security.protocol": "plaintext"]
        #expect(configuration.librdkafkaProperties["security.protocol"] == "plaintext")
    }
}
