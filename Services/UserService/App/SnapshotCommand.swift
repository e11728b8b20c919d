import ArgumentParser
import AsyncPrimitives
import Database
import Foundation
import PostgresNIO
import ServiceBootstrap
import ServiceConfiguration

/// `user-service snapshot`: the source's current state as repair events through the outbox.
struct SnapshotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Publish every live user and every kept tombstone as repair events through the outbox, chunk by chunk.",
        discussion: """
            Writes go on meanwhile (no user is locked); running it twice is harmless (projections apply a repair only \
            when its version is at least the stored one). The relay publishes the events as usual.
            """
    )

    @Option(help: "Users (or tombstones) per transaction.")
    var chunk: Int = 1000

    func validate() throws {
        guard (1...100_000).contains(chunk) else { throw ValidationError("--chunk must be 1…100000") }
    }

    func run() async throws {
        let (configuration, _, logger) = try ProcessBootstrap.start(service: "user-service", logging: \.logging) { environment throws(ConfigurationError) in
            try UserServiceConfiguration(environment: environment)
        }
        let pool = PostgresClient(configuration: configuration.databaseURL.clientConfiguration(maximumConnections: 2), backgroundLogger: logger)
        let terminal = isatty(STDERR_FILENO) != 0
        let started = ContinuousClock.now
        let progress = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await pool.run() }
            defer { group.cancelAll() }
            let database = DatabaseClient(pool: pool, logger: logger)
            return try await Snapshot(database: database, store: UserStore(database: database, logger: logger), logger: logger)
                .run(chunk: chunk) { progress in
                    let seconds = max(0.001, (ContinuousClock.now - started).inSeconds)
                    let done = progress.users + progress.tombstones
                    let total = max(1, progress.totalUsers + progress.totalTombstones)
                    let bar = String(repeating: "#", count: 30 * done / total).padding(toLength: 30, withPad: ".", startingAt: 0)
                    let line = "snapshot: [\(bar)] users \(progress.users)/\(progress.totalUsers), tombstones \(progress.tombstones)/\(progress.totalTombstones), \(Int(Double(done) / seconds))/s"
                    FileHandle.standardError.write(Data((terminal ? "\r" + line : line + "\n").utf8))
                }
        }
        if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
        print("snapshot: \(progress.users) users and \(progress.tombstones) tombstones written to the outbox as repair events")
    }
}
