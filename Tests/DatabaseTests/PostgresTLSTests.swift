import AsyncPrimitives
import Database
import Foundation
import Logging
import PostgresNIO
import ServiceConfiguration
import TestSupport
import Testing

/// `sslmode` and `sslrootcert` in a database URL: parsed as libpq means them, and honoured
/// against a real PostgreSQL server with `ssl=on` and certificates from a CA the test makes.
@Suite("PostgreSQL TLS from the database URL", .timeLimit(.minutes(3)))
struct PostgresTLSTests {
    /// A fresh directory with a CA and two server certificates: one for localhost and
    /// 127.0.0.1, one for another host name.
    struct Certificates {
        let directory: URL
        let authority: TestCertificateAuthority
        let localhost: TestCertificateAuthority.Issued
        let otherHost: TestCertificateAuthority.Issued

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("test-tls-\(UUID().uuidString.prefix(8).lowercased())")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            authority = try TestCertificateAuthority(in: directory)
            localhost = try authority.issueServerCertificate(name: "localhost", dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"])
            otherHost = try authority.issueServerCertificate(name: "other-host", dnsNames: ["db.other.example"])
        }

        func remove() { try? FileManager.default.removeItem(at: directory) }
    }

    static let logger = testLogger("postgres-tls")

    /// Whether the session that runs the query is encrypted, asked through a pool built
    /// from the URL the way the services build theirs.
    static func pooledSessionIsEncrypted(_ url: PostgresURL) async throws -> Bool {
        let client = PostgresClient(configuration: url.clientConfiguration(maximumConnections: 1), backgroundLogger: logger)
        return try await withRunningService(client) {
            let rows = try await client.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", logger: logger)
            return try #require(try await rows.collect().first).decode(Bool.self)
        }
    }

    /// The same through one dedicated connection (`connectionConfiguration`: advisory locks, `LISTEN`).
    static func dedicatedSessionIsEncrypted(_ url: PostgresURL) async throws -> Bool {
        let connection = try await PostgresConnection.connect(configuration: url.connectionConfiguration, id: 1, logger: logger)
        do {
            let rows = try await connection.query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", logger: logger)
            let encrypted = try #require(try await rows.collect().first).decode(Bool.self)
            try await connection.close()
            return encrypted
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Starts the server with TLS on, presenting `issued` (its certificate and key).
    static func startWithTLS(_ server: TestPostgresServer, presenting issued: TestCertificateAuthority.Issued) throws {
        try server.start(settings: [
            "ssl": "on",
            "ssl_cert_file": try server.install(issued.certificate, as: "server.pem"),
            "ssl_key_file": try server.install(issued.key, as: "server.key"),
        ])
    }

    static func url(_ server: TestPostgresServer, host: String = "127.0.0.1", query: String) throws -> PostgresURL {
        try PostgresURL("postgres://postgres@\(host):\(server.port)/postgres?\(query)")
    }

    // MARK: Against a real server

    @Test func verifyFullWithTheGeneratedCAConnectsAndTheSessionIsEncrypted() async throws {
        let certificates = try Certificates()
        defer { certificates.remove() }
        let ca = certificates.authority.certificate.path
        try await withTestPostgresServer { server in
            try Self.startWithTLS(server, presenting: certificates.localhost)
            let byName = try Self.url(server, host: "localhost", query: "sslmode=verify-full&sslrootcert=\(ca)")
            #expect(try await Self.pooledSessionIsEncrypted(byName), "verify-full by host name, through the pool")
            #expect(try await Self.dedicatedSessionIsEncrypted(byName), "verify-full by host name, on a dedicated connection")
            let byAddress = try Self.url(server, query: "sslmode=verify-full&sslrootcert=\(ca)")
            #expect(try await Self.pooledSessionIsEncrypted(byAddress), "verify-full by IP address (the certificate names 127.0.0.1)")
            #expect(try await Self.pooledSessionIsEncrypted(try Self.url(server, query: "sslmode=verify-ca&sslrootcert=\(ca)")))
            #expect(try await Self.pooledSessionIsEncrypted(try Self.url(server, query: "sslmode=require")))
            #expect(try await Self.pooledSessionIsEncrypted(try Self.url(server, query: "sslmode=prefer")), "prefer encrypts when the server can")
            #expect(try await Self.pooledSessionIsEncrypted(try Self.url(server, query: "sslmode=disable")) == false)
            #expect(try await Self.dedicatedSessionIsEncrypted(try Self.url(server, query: "sslmode=disable")) == false)
            #expect(try await Self.pooledSessionIsEncrypted(server.url) == false, "no sslmode: not encrypted, as before")
        }
    }

    @Test func aServerPresentingAnotherHostsCertificateIsRefusedByVerifyFull() async throws {
        let certificates = try Certificates()
        defer { certificates.remove() }
        let ca = certificates.authority.certificate.path
        try await withTestPostgresServer { server in
            try Self.startWithTLS(server, presenting: certificates.otherHost)
            for host in ["localhost", "127.0.0.1"] {
                let url = try Self.url(server, host: host, query: "sslmode=verify-full&sslrootcert=\(ca)")
                let error = await #expect(throws: (any Error).self, "verify-full to \(host), certificate for db.other.example") {
                    try await Self.dedicatedSessionIsEncrypted(url)
                }
                #expect(String(reflecting: error).contains("failedToValidateHostname"), "\(String(reflecting: error))")
                // The pool (what the services use) never gets a session either: PostgresNIO's pool keeps
                // trying to connect and the query waits, until the caller's time limit ends it.
                await #expect(throws: (any Error).self, "the pool, verify-full to \(host)") {
                    try await TimeLimit.run(.seconds(3)) { try await Self.pooledSessionIsEncrypted(url) }
                }
            }
            // The refusal is about the name: the certificate itself chains to the trusted CA.
            #expect(try await Self.pooledSessionIsEncrypted(try Self.url(server, host: "localhost", query: "sslmode=verify-ca&sslrootcert=\(ca)")))
        }
    }

    @Test func aServerCertificateFromAnotherCAIsRefusedByVerifyCA() async throws {
        let certificates = try Certificates()
        defer { certificates.remove() }
        let strangerDirectory = certificates.directory.appendingPathComponent("stranger")
        try FileManager.default.createDirectory(at: strangerDirectory, withIntermediateDirectories: true)
        let stranger = try TestCertificateAuthority(in: strangerDirectory, commonName: "another CA")
        try await withTestPostgresServer { server in
            try Self.startWithTLS(server, presenting: certificates.localhost)
            for mode in ["verify-ca", "verify-full", "require"] {
                let url = try Self.url(server, query: "sslmode=\(mode)&sslrootcert=\(stranger.certificate.path)")
                let error = await #expect(throws: (any Error).self, "sslmode=\(mode) with another CA as sslrootcert") {
                    try await Self.dedicatedSessionIsEncrypted(url)
                }
                #expect(String(reflecting: error).contains("CERTIFICATE_VERIFY_FAILED"), "\(String(reflecting: error))")
            }
        }
    }

    // MARK: Parsing

    @Test func sslModeAndRootCertificateAreReadKeptAndShownWithoutThePassword() throws {
        let certificates = try Certificates()
        defer { certificates.remove() }
        let ca = certificates.authority.certificate.path
        let url = try PostgresURL("postgres://app:s3cret@db.example:5432/users?sslmode=verify-full&sslrootcert=\(ca)")
        #expect(url.tls.mode == .verifyFull)
        #expect(url.tls.rootCertificate == ca)
        #expect(try PostgresURL(url.urlString) == url, "urlString hands the TLS settings on")
        #expect(url.with(database: "other").tls == url.tls)
        #expect(url.description == "postgres://app:***@db.example:5432/users?sslmode=verify-full&sslrootcert=\(ca)")
        #expect(!url.description.contains("s3cret"))
    }

    @Test func withoutSSLParametersTheConnectionStaysUnencryptedAsBefore() throws {
        let url = try PostgresURL("postgres://app@db.example/users?application_name=x")
        #expect(url.tls == .disabled)
        #expect(url.tls.tlsConfiguration == nil)
        #expect(url.urlString == "postgres://app@db.example:5432/users")
    }

    @Test func eachModeVerifiesWhatLibpqVerifies() throws {
        let certificates = try Certificates()
        defer { certificates.remove() }
        let ca = certificates.authority.certificate.path
        func verification(_ query: String) throws -> CertificateVerification? {
            try PostgresURL("postgres://app@db.example/users?\(query)").tls.tlsConfiguration?.certificateVerification
        }
        #expect(try verification("sslmode=disable") == nil)
        #expect(try verification("sslmode=allow") == CertificateVerification.none)
        #expect(try verification("sslmode=prefer") == CertificateVerification.none)
        #expect(try verification("sslmode=require") == CertificateVerification.none)
        #expect(try verification("sslmode=require&sslrootcert=\(ca)") == .noHostnameVerification, "libpq: require with a root certificate is verify-ca")
        #expect(try verification("sslmode=verify-ca&sslrootcert=\(ca)") == .noHostnameVerification)
        #expect(try verification("sslmode=verify-full&sslrootcert=\(ca)") == .fullVerification)
        #expect(try verification("sslmode=verify-full") == .fullVerification, "the system's trust store")
        #expect(try verification("sslrootcert=system") == .fullVerification, "libpq: sslrootcert=system defaults to verify-full")
    }

    @Test func unusableTLSParametersAreClearErrors() throws {
        func message(_ query: String) -> String {
            do {
                _ = try PostgresURL("postgres://app:s3cret@db.example/users?\(query)")
                return "accepted"
            } catch {
                return error.description
            }
        }
        let unknown = message("sslmode=verify_full")
        #expect(unknown.contains("sslmode=verify_full") && unknown.contains("disable, allow, prefer, require, verify-ca, verify-full"), "\(unknown)")
        #expect(message("sslmode=require&sslrootcert=system").contains("sslrootcert=system needs sslmode=verify-full"))
        #expect(message("sslmode=verify-full&sslrootcert=/nonexistent/ca.pem").contains("not a readable PEM file"))
        #expect(message("sslrootcert=/etc/hostname").contains("without sslmode"))
        #expect(message("sslmode=verify-full&sslcert=client.pem").contains("sslcert in the database URL is not supported"))
        for query in ["sslmode=verify_full", "sslmode=require&sslrootcert=system", "sslcert=x"] {
            #expect(!message(query).contains("s3cret"))
        }
    }
}
