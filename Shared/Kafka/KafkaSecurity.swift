import Foundation
import ServiceConfiguration

/// How a service's Kafka clients protect their connections to the brokers: TLS,
/// SASL authentication with a user name and password, or neither (the default,
/// for the local stack and compose's internal network).
///
/// Read once from the environment (`KAFKA_SECURITY_PROTOCOL`, `KAFKA_SASL_MECHANISM`,
/// `KAFKA_SASL_USERNAME`, `KAFKA_SASL_PASSWORD` or `KAFKA_SASL_PASSWORD_FILE`,
/// `KAFKA_SSL_CA_LOCATION`) and given to every client a service makes, so its
/// producer, group consumer, admin and dead-letter clients all present the same principal.
///
/// The password never appears in `description`, in a mirror (`dump`), or in an error.
public struct KafkaSecurity: Sendable, Equatable, CustomStringConvertible, CustomReflectable {
    /// librdkafka's `security.protocol`.
    public enum SecurityProtocol: String, Sendable, CaseIterable {
        case plaintext
        case ssl
        case saslPlaintext = "sasl_plaintext"
        case saslSSL = "sasl_ssl"

        /// Whether the client authenticates with SASL.
        public var usesSASL: Bool { self == .saslPlaintext || self == .saslSSL }
        /// Whether the connection is encrypted with TLS.
        public var usesTLS: Bool { self == .ssl || self == .saslSSL }
    }

    /// librdkafka's `sasl.mechanism`: the mechanisms that authenticate with a user name and
    /// password. (GSSAPI and OAUTHBEARER need settings of their own that are not offered.)
    public enum SASLMechanism: String, Sendable, CaseIterable {
        case plain = "PLAIN"
        case scramSHA256 = "SCRAM-SHA-256"
        case scramSHA512 = "SCRAM-SHA-512"
    }

    /// A SASL principal and how it proves itself. Its description hides the password.
    public struct SASLCredentials: Sendable, Equatable, CustomStringConvertible, CustomReflectable {
        public let mechanism: SASLMechanism
        public let username: String
        /// Never logged: ``KafkaSecurity/description`` shows `***` instead.
        public let password: String

        public init(mechanism: SASLMechanism, username: String, password: String) {
            self.mechanism = mechanism
            self.username = username
            self.password = password
        }

        public var description: String { "\(mechanism.rawValue) \(username) (password ***)" }

        public var customMirror: Mirror {
            Mirror(self, children: ["mechanism": mechanism, "username": username, "password": "***"], displayStyle: .struct)
        }
    }

    public let securityProtocol: SecurityProtocol
    /// Set exactly when ``securityProtocol`` uses SASL.
    public let sasl: SASLCredentials?
    /// `ssl.ca.location`: a PEM file or directory of the CA certificates the brokers'
    /// certificates are checked against (`probe` searches the system's usual places);
    /// `nil` uses librdkafka's default, the system's trust store.
    public let certificateAuthorityLocation: String?

    /// No TLS, no SASL: librdkafka's defaults.
    public init() {
        securityProtocol = .plaintext
        sasl = nil
        certificateAuthorityLocation = nil
    }

    /// Checks that the pieces fit: SASL credentials exactly with a SASL protocol, a CA
    /// location only with a TLS one.
    public init(
        securityProtocol: SecurityProtocol, sasl: SASLCredentials? = nil, certificateAuthorityLocation: String? = nil
    ) throws(ConfigurationError) {
        if securityProtocol.usesSASL {
            guard let sasl else {
                throw ConfigurationError("\(securityProtocol.rawValue) authenticates with SASL: a mechanism, user name and password are required")
            }
            guard !sasl.username.isEmpty, !sasl.password.isEmpty else {
                throw ConfigurationError("\(securityProtocol.rawValue) authenticates with SASL: the user name and password must not be empty")
            }
        } else if sasl != nil {
            throw ConfigurationError("\(securityProtocol.rawValue) does not use SASL: use sasl_plaintext or sasl_ssl to authenticate")
        }
        if certificateAuthorityLocation != nil && !securityProtocol.usesTLS {
            throw ConfigurationError("\(securityProtocol.rawValue) does not use TLS: a CA location needs ssl or sasl_ssl")
        }
        self.securityProtocol = securityProtocol
        self.sasl = sasl
        self.certificateAuthorityLocation = certificateAuthorityLocation
    }

    /// Reads `KAFKA_SECURITY_PROTOCOL` (default `plaintext`), `KAFKA_SASL_MECHANISM`,
    /// `KAFKA_SASL_USERNAME`, `KAFKA_SASL_PASSWORD` (or `KAFKA_SASL_PASSWORD_FILE`) and
    /// `KAFKA_SSL_CA_LOCATION`. A value that is set but unusable, or a SASL or TLS setting
    /// the chosen protocol would ignore, is an error naming the variable.
    public init(environment reader: EnvironmentReader) throws(ConfigurationError) {
        let rawProtocol = reader.value(Settings.kafkaSecurityProtocol)
        guard let securityProtocol = SecurityProtocol(rawValue: rawProtocol.lowercased()) else {
            throw ConfigurationError(
                "KAFKA_SECURITY_PROTOCOL=\(rawProtocol) must be one of \(SecurityProtocol.allCases.map(\.rawValue).joined(separator: ", "))"
            )
        }
        let chosen = "KAFKA_SECURITY_PROTOCOL=\(securityProtocol.rawValue)"

        var sasl: SASLCredentials?
        if securityProtocol.usesSASL {
            let mechanisms = SASLMechanism.allCases.map(\.rawValue).joined(separator: ", ")
            guard let rawMechanism = try reader.value(Settings.kafkaSASLMechanism) else {
                throw ConfigurationError("KAFKA_SASL_MECHANISM is required with \(chosen): one of \(mechanisms)")
            }
            guard let mechanism = SASLMechanism(rawValue: rawMechanism.uppercased()) else {
                throw ConfigurationError("KAFKA_SASL_MECHANISM=\(rawMechanism) must be one of \(mechanisms)")
            }
            guard let username = try reader.value(Settings.kafkaSASLUsername) else {
                throw ConfigurationError("KAFKA_SASL_USERNAME is required with \(chosen)")
            }
            guard let password = try reader.value(Settings.kafkaSASLPassword) else {
                throw ConfigurationError("KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_FILE) is required with \(chosen)")
            }
            sasl = SASLCredentials(mechanism: mechanism, username: username, password: password)
        } else {
            // A credential the protocol would silently not send is a mistake worth stopping for.
            let ignored = [Settings.kafkaSASLMechanism.name, Settings.kafkaSASLUsername.name, Settings.kafkaSASLPassword.name, Settings.kafkaSASLPassword.name + "_FILE"]
                .filter { reader.optionalString($0) != nil }
            if !ignored.isEmpty {
                throw ConfigurationError(
                    "\(ignored.joined(separator: ", ")) set, but \(chosen) does not use SASL: use sasl_plaintext or sasl_ssl"
                )
            }
        }

        let location = try reader.value(Settings.kafkaSSLCALocation)
        if let location {
            guard securityProtocol.usesTLS else {
                throw ConfigurationError("KAFKA_SSL_CA_LOCATION set, but \(chosen) does not use TLS: use ssl or sasl_ssl")
            }
            guard location == "probe" || FileManager.default.fileExists(atPath: location) else {
                throw ConfigurationError("KAFKA_SSL_CA_LOCATION=\(location): no such file or directory")
            }
        }
        try self.init(securityProtocol: securityProtocol, sasl: sasl, certificateAuthorityLocation: location)
    }

    /// The librdkafka properties these settings stand for (none beyond `security.protocol` by default).
    public var librdkafkaProperties: [String: String] {
        var properties = ["security.protocol": securityProtocol.rawValue]
        if let sasl {
            properties["sasl.mechanism"] = sasl.mechanism.rawValue
            properties["sasl.username"] = sasl.username
            properties["sasl.password"] = sasl.password
        }
        if let certificateAuthorityLocation { properties["ssl.ca.location"] = certificateAuthorityLocation }
        return properties
    }

    /// The settings with the password replaced by `***`: safe to log.
    public var description: String {
        var parts = ["security.protocol=\(securityProtocol.rawValue)"]
        if let sasl {
            parts.append("sasl.mechanism=\(sasl.mechanism.rawValue)")
            parts.append("sasl.username=\(sasl.username)")
            parts.append("sasl.password=***")
        }
        if let certificateAuthorityLocation { parts.append("ssl.ca.location=\(certificateAuthorityLocation)") }
        return parts.joined(separator: " ")
    }

    /// What `dump` and debuggers show: the description, so the password stays hidden there too.
    public var customMirror: Mirror {
        Mirror(self, children: ["settings": description], displayStyle: .struct)
    }
}
