import Foundation
import Kafka
import TestSupport
import Testing

/// Starts the real `local-broker` executable and talks Kafka to it through its fixed port.
@Suite("local-broker executable", .timeLimit(.minutes(3)))
struct LocalBrokerExecutableTests {
    @Test func servesTheTopicsOnItsPortInjectsFaultsOnSignalsAndStopsOnSigterm() async throws {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("local-broker")
        try #require(FileManager.default.isExecutableFile(atPath: executable.path), "build local-broker first (scripts/test.sh does)")
        let port = try freeLocalPort()
        let process = Process()
        process.executableURL = executable
        process.arguments = ["--port", "\(port)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        let broker = try TestBroker()
        let admin = try KafkaAdmin(bootstrapServers: "127.0.0.1:\(port)", logger: broker.logger)
        try await eventually("the broker answers on 127.0.0.1:\(port)", timeout: .seconds(30)) {
            await admin.isReachable(timeout: .seconds(1))
        }
        #expect(try await admin.partitions(of: "user-events") == [0, 1, 2, 3, 4, 5])
        #expect(try await admin.partitions(of: "user-events.analytics-service.dlq") == [0])
        #expect(try await admin.partitions(of: "user-events.search-service.dlq") == [0])

        var configuration = KafkaProducerConfiguration(bootstrapServers: "127.0.0.1:\(port)")
        configuration.deliveryTimeoutMilliseconds = 5_000
        let producer = try KafkaProducer(configuration: configuration, logger: broker.logger)
        let report = try await withRunningService(producer) {
            try await producer.send(KafkaProducerMessage(topic: "user-events", key: "u1", value: "hello"))
        }
        #expect(try await admin.logEndOffsets(topic: "user-events")[report.partition] == report.offset + 1)

        kill(process.processIdentifier, SIGUSR1)
        try await eventually("the broker is down after SIGUSR1", timeout: .seconds(15)) {
            await !admin.isReachable(timeout: .seconds(1))
        }
        kill(process.processIdentifier, SIGUSR2)
        try await eventually("the broker is back after SIGUSR2", timeout: .seconds(15)) {
            await admin.isReachable(timeout: .seconds(1))
        }

        process.terminate() // SIGTERM
        try await eventually("local-broker exits on SIGTERM", timeout: .seconds(15)) { !process.isRunning }
        #expect(process.terminationStatus == 0)
    }
}
