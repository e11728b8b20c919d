import Foundation

/// A throwaway certificate authority made with `openssl` in a directory of its own:
/// its certificate (`ca.pem`) and the server certificates it issues, for tests of TLS
/// against a real server. Keys are unencrypted RSA 2048; everything lasts a day.
public struct TestCertificateAuthority: Sendable {
    /// A certificate and its private key, both PEM files.
    public struct Issued: Sendable {
        public let certificate: URL
        public let key: URL
    }

    public let directory: URL
    /// The CA's certificate: what a client trusts (`sslrootcert`, `ssl.ca.location`).
    public var certificate: URL { directory.appendingPathComponent("ca.pem") }
    private var key: URL { directory.appendingPathComponent("ca.key") }

    private static let openssl = ExternalTool("openssl", package: "openssl")

    /// Creates the CA in `directory` (which must exist), named `commonName`.
    public init(in directory: URL, commonName: String = "event-driven-users test CA") throws {
        self.directory = directory
        try Self.run([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=\(commonName)",
            "-keyout", key.path, "-out", certificate.path,
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
    }

    /// Issues a server certificate for these DNS names and IP addresses (its subject
    /// alternative names; the first name is also its common name).
    public func issueServerCertificate(name: String, dnsNames: [String], ipAddresses: [String] = []) throws -> Issued {
        let issued = Issued(certificate: directory.appendingPathComponent("\(name).pem"), key: directory.appendingPathComponent("\(name).key"))
        let request = directory.appendingPathComponent("\(name).csr")
        let extensions = directory.appendingPathComponent("\(name).ext")
        let names = dnsNames.map { "DNS:\($0)" } + ipAddresses.map { "IP:\($0)" }
        try """
            basicConstraints=CA:FALSE
            keyUsage=critical,digitalSignature,keyEncipherment
            extendedKeyUsage=serverAuth
            subjectAltName=\(names.joined(separator: ","))

            """.write(to: extensions, atomically: true, encoding: .utf8)
        try Self.run([
            "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=\(dnsNames.first ?? ipAddresses.first ?? name)",
            "-keyout", issued.key.path, "-out", request.path,
        ])
        try Self.run([
            "x509", "-req", "-in", request.path, "-CA", certificate.path, "-CAkey", key.path, "-CAcreateserial",
            "-days", "1", "-extfile", extensions.path, "-out", issued.certificate.path,
        ])
        return issued
    }

    private static func run(_ arguments: [String]) throws {
        let result = try openssl.run(arguments)
        guard result.status == 0 else { throw TestFailure("openssl \(arguments.first ?? "") failed (\(result.status)): \(result.output)") }
    }
}
