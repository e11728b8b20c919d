import Database
import Events
import Foundation
import Testing
import TestSupport

/// What the built executables print: `--help` names the Kafka security variables and
/// never a value, and a configuration error never shows the Kafka password.
@Suite("secrets in the executables' output", .timeLimit(.minutes(2)))
struct SecretOutputTests {
    static let password = "pw-5d2e77-never-shown"
    static let services = ["user-service", "analytics-service", "search-service"]

    /// Runs a built executable with this environment added (for at most 30 s); its exit status
    /// and output (stdout and stderr).
    static func run(
        _ service: String, _ arguments: [String], seconds: Int = 30, environment: [String: String]
    ) throws -> (status: Int32, output: String) {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(service)
        try #require(FileManager.default.isExecutableFile(atPath: executable.path), "build \(service) first (scripts/test.sh does)")
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // A service that started after all would run until stopped: bound it.
        DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(seconds)) { if process.isRunning { process.terminate() } }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test(arguments: services)
    func helpNamesTheKafkaSecurityVariablesAndNoSecret(service: String) throws {
        let (status, output) = try Self.run(service, ["--help"], environment: [
            "KAFKA_SECURITY_PROTOCOL": "sasl_ssl", "KAFKA_SASL_MECHANISM": "PLAIN", "KAFKA_SASL_USERNAME": service,
            "KAFKA_SASL_PASSWORD": Self.password,
        ])
        #expect(status == 0, "\(output)")
        for name in ["KAFKA_SECURITY_PROTOCOL", "KAFKA_SASL_MECHANISM", "KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD_FILE", "KAFKA_SSL_CA_LOCATION"] {
            #expect(output.contains(name), "\(service) --help names \(name)")
        }
        #expect(!output.contains(Self.password))
    }

    @Test(arguments: services)
    func aKafkaSecurityErrorStopsTheServiceWithoutShowingThePassword(service: String) throws {
        // A password with a protocol that would not send it: refused at start, before anything connects.
        let (status, output) = try Self.run(service, [], environment: [
            "EVENT_VERIFY_KEYS": TestEventKeys.signing.exported, "KAFKA_SASL_USERNAME": service, "KAFKA_SASL_PASSWORD": Self.password,
            "KAFKA_SECURITY_PROTOCOL": "plaintext",
        ])
        #expect(status != 0)
        #expect(output.contains("KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD set, but KAFKA_SECURITY_PROTOCOL=plaintext does not use SASL"), "\(output)")
        #expect(!output.contains(Self.password))
    }

    /// The database passwords: `migrate` (the owner's URL) and a service (the runtime role's URL),
    /// each refused by the real server for a wrong password, name the database and the role in
    /// their errors and logs, never the password.
    @Test(arguments: services)
    func aDatabaseURLsPasswordIsNeverShown(service: String) async throws {
        let server = try TestDatabase.serverURL()
        let wrong = PostgresURL(host: server.host, port: server.port, username: server.username, password: Self.password, database: "postgres")
        let (migrateStatus, migrateOutput) = try Self.run(service, ["migrate"], environment: [
            "MIGRATION_DATABASE_URL": wrong.urlString, "LOG_FORMAT": "logfmt",
        ])
        #expect(migrateStatus != 0, "\(migrateOutput)")
        #expect(migrateOutput.contains("password authentication failed"), "\(migrateOutput)")
        #expect(!migrateOutput.contains(Self.password), "\(migrateOutput)")
        // `migrate` without the owner's URL says which variable it needs.
        let (missingStatus, missingOutput) = try Self.run(service, ["migrate"], environment: ["DATABASE_URL": wrong.urlString])
        #expect(missingStatus != 0)
        #expect(missingOutput.contains("MIGRATION_DATABASE_URL"), "\(missingOutput)")
        #expect(!missingOutput.contains(Self.password))
        // A service the server refuses stops at once (a server that does not answer yet it would wait for).
        let (serveStatus, serveOutput) = try Self.run(service, [], seconds: 10, environment: [
            "DATABASE_URL": wrong.urlString, "EVENT_VERIFY_KEYS": TestEventKeys.signing.exported,
            "EVENT_SIGNING_KEY": TestEventKeys.signing.exported, "AUTH_JWKS": TestTokens.jwksFile, "HTTP_PORT": "0", "MANAGEMENT_PORT": "0",
            "LOG_FORMAT": "logfmt",
        ])
        #expect(serveStatus != 0 && serveOutput.contains("password authentication failed"), "\(serveOutput)")
        #expect(!serveOutput.contains(Self.password), "\(serveOutput)")
    }
}
