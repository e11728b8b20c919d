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
            when its version is at least the stored one). The relay publishes the events as usual. Paced by --rate and \
            --max-pending so the pipeline keeps up with the live traffic.
            """
    )

    @Option(help: "Users (or tombstones) per transaction (at most a tenth of --rate).")
    var chunk: Int = 1000

    @Option(help: "Rows a second at most (0: no limit).")
    var rate: Int = 1000

    @Option(help: "Wait while the outbox holds more unpublished rows than this (0: never wait).")
    var maxPending: Int = 1000

    func validate() throws {
        guard (1...100_000).contains(chunk) else { throw ValidationError("--chunk must be 1…100000") }
        guard (0...1_000_000).contains(rate) else { throw ValidationError("--rate must be 0…1000000") }
        guard (0...1_000_000).contains(maxPending) else { throw ValidationError("--max-pending must be 0…1000000") }
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
                .run(chunk: chunk, pace: Snapshot.Pace(rate: rate > 0 ? rate : nil, maxPending: maxPending > 0 ? maxPending : nil)) { progress in
                    line.report(
                        done: progress.users + progress.tombstones, total: progress.totalUsers + progress.totalTombstones, unit: "rows",
                        detail: "users \(progress.users)/\(progress.totalUsers), tombstones \(progress.tombstones)/\(progress.totalTombstones)"
                            + (progress.waitingForRelay.map { _ in ", waiting for the relay (over \(maxPending) rows unpublished)" } ?? "")
                    )
                }
        }
        line.finish()
        print("snapshot: \(progress.users) users and \(progress.tombstones) tombstones written to the outbox as repair events")
    }
}
