import Foundation
import PostgresNIO
import ServiceConfiguration

/// The `sslmode` and `sslrootcert` parameters of a database URL, as libpq means
/// them, and the PostgresNIO TLS settings they stand for.
///
/// | `sslmode` | encrypted | certificate checked | host name checked |
/// |---|---|---|---|
/// | `disable` (also when no parameter is given) | no | – | – |
/// | `allow`, `prefer` | if the server offers TLS | no | no |
/// | `require` | yes | only when `sslrootcert` names a file (as libpq does) | no |
/// | `verify-ca` | yes | yes | no |
/// | `verify-full` | yes | yes | yes |
///
/// `sslrootcert` is a PEM file of the CA certificates the server's certificate must
/// chain to, or `system` (the system's trust store, and then `verify-full` is the
/// default and the only mode allowed, as in libpq). Without it, `verify-ca` and
/// `verify-full` check against the system's trust store.
///
/// Where PostgresNIO differs from libpq: `allow` behaves like `prefer` (PostgresNIO
/// cannot first try without TLS and retry with it), so it encrypts whenever the server
/// can; and with no `sslmode` at all the connection is not encrypted (libpq's default is
/// `prefer`), as it always was here.
public struct PostgresTLS: Sendable, Equatable {
    /// libpq's `sslmode`.
    public enum Mode: String, Sendable, CaseIterable {
        case disable
        case allow
        case prefer
        case require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    /// `sslrootcert=system`: the system's trust store.
    public static let systemRootCertificates = "system"

    public let mode: Mode
    /// `sslrootcert`: a PEM file, or ``systemRootCertificates``; `nil` when not given.
    public let rootCertificate: String?

    /// No TLS.
    public static let disabled = PostgresTLS(checkedMode: .disable, rootCertificate: nil)

    private init(checkedMode: Mode, rootCertificate: String?) {
        self.mode = checkedMode
        self.rootCertificate = rootCertificate
    }

    /// Checks the combination as libpq does, and that a root certificate file holds a certificate.
    /// - Parameter mode: `nil` when the URL names none: `disable`, or `verify-full` with `sslrootcert=system`.
    public init(mode: Mode?, rootCertificate: String?) throws(ConfigurationError) {
        if rootCertificate == Self.systemRootCertificates {
            guard mode == nil || mode == .verifyFull else {
                throw ConfigurationError("sslrootcert=system needs sslmode=verify-full (libpq refuses weaker modes with it), not sslmode=\(mode?.rawValue ?? "")")
            }
            self.init(checkedMode: .verifyFull, rootCertificate: rootCertificate)
            return
        }
        if let rootCertificate {
            guard let mode else {
                throw ConfigurationError(
                    "sslrootcert=\(rootCertificate) without sslmode: add sslmode=verify-full (or verify-ca, require) to the database URL"
                )
            }
            let certificates: [NIOSSLCertificate]
            do {
                certificates = try NIOSSLCertificate.fromPEMFile(rootCertificate)
            } catch {
                throw ConfigurationError("sslrootcert=\(rootCertificate): not a readable PEM file of CA certificates (\(error))")
            }
            guard !certificates.isEmpty else { throw ConfigurationError("sslrootcert=\(rootCertificate): the file holds no certificate") }
            self.init(checkedMode: mode, rootCertificate: rootCertificate)
            return
        }
        self.init(checkedMode: mode ?? .disable, rootCertificate: nil)
    }

    /// Reads `sslmode` and `sslrootcert` from a URL's query; any other `ssl…` parameter
    /// (`sslcert`, `sslkey`, …) is refused rather than ignored: it is not supported.
    init(queryItems: [URLQueryItem]) throws(ConfigurationError) {
        var mode: Mode?
        var rootCertificate: String?
        for item in queryItems {
            switch item.name {
            case "sslmode":
                let value = item.value ?? ""
                guard let parsed = Mode(rawValue: value) else {
                    throw ConfigurationError(
                        "sslmode=\(value) in the database URL must be one of \(Mode.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
                mode = parsed
            case "sslrootcert":
                guard let value = item.value, !value.isEmpty else { throw ConfigurationError("sslrootcert in the database URL is empty") }
                rootCertificate = value
            case let name where name.hasPrefix("ssl"):
                throw ConfigurationError("\(name) in the database URL is not supported: only sslmode and sslrootcert are")
            default:
                continue
            }
        }
        try self.init(mode: mode, rootCertificate: rootCertificate)
    }

    /// The query parameters that give these settings back (none for the default).
    var queryItems: [URLQueryItem] {
        guard self != .disabled else { return [] }
        return [URLQueryItem(name: "sslmode", value: mode.rawValue)] + (rootCertificate.map { [URLQueryItem(name: "sslrootcert", value: $0)] } ?? [])
    }

    /// The NIOSSL client configuration for the modes that use TLS; `nil` for `disable`.
    public var tlsConfiguration: TLSConfiguration? {
        let verification: CertificateVerification
        switch mode {
        case .disable: return nil
        case .allow, .prefer: verification = .none
        case .require: verification = rootCertificate == nil ? .none : .noHostnameVerification
        case .verifyCA: verification = .noHostnameVerification
        case .verifyFull: verification = .fullVerification
        }
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        configuration.certificateVerification = verification
        if let rootCertificate, rootCertificate != Self.systemRootCertificates {
            configuration.trustRoots = .file(rootCertificate)
        }
        return configuration
    }

    /// For a pool (`PostgresClient`).
    public var clientTLS: PostgresClient.Configuration.TLS {
        guard let tlsConfiguration else { return .disable }
        return mode == .allow || mode == .prefer ? .prefer(tlsConfiguration) : .require(tlsConfiguration)
    }

    /// For one dedicated connection (`PostgresConnection`): loads the certificates now.
    public func connectionTLS() throws(ConfigurationError) -> PostgresConnection.Configuration.TLS {
        guard let tlsConfiguration else { return .disable }
        let context: NIOSSLContext
        do {
            context = try NIOSSLContext(configuration: tlsConfiguration)
        } catch {
            throw ConfigurationError("sslmode=\(mode.rawValue): the TLS context cannot be created (\(error))")
        }
        return mode == .allow || mode == .prefer ? .prefer(context) : .require(context)
    }
}
