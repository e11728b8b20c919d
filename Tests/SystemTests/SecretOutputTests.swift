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
    static func run(_ service: String, _ arguments: [String], environment: [String: String]) throws -> (status: Int32, output: String) {
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
        DispatchQueue.global().asyncAfter(deadline: .now() + 30) { if process.isRunning { process.terminate() } }
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
}
