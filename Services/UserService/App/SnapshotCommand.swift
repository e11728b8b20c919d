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
        let line = ProgressLine(label: "snapshot")
        let progress = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await pool.run() }
            defer { group.cancelAll() }
            let database = DatabaseClient(pool: pool, logger: logger)
            return try await Snapshot(database: database, store: UserStore(database: database, logger: logger), logger: logger)
                .run(chunk: chunk) { progress in
                    line.report(
                        done: progress.users + progress.tombstones, total: progress.totalUsers + progress.totalTombstones, unit: "rows",
                        detail: "users \(progress.users)/\(progress.totalUsers), tombstones \(progress.tombstones)/\(progress.totalTombstones)"
                    )
                }
        }
        line.finish()
        print("snapshot: \(progress.users) users and \(progress.tombstones) tombstones written to the outbox as repair events")
    }
}
