import AsyncPrimitives
import Consumer
import Prometheus
import Database
import Foundation
import Kafka
import Logging
import PostgresNIO
import ServiceBootstrap
import ServiceLifecycle

/// Builds a consumer service's projection anew from the topic, beside the live
/// one, and swaps it in atomically while the service keeps running.
///
/// 1. **History.** If a partition's earliest retained offset is above 0, records
///    were deleted by retention and a rebuild from the topic alone would miss
///    them: it refuses, unless the operator says a snapshot
///    (`user-service snapshot`) is on the topic (`fromSnapshot`).
/// 2. **Shadow.** A schema `rebuild_<stamp>` in the same database gets the
///    service's migrations; a consumer in its own group
///    `<group>-rebuild-<stamp>` applies the topic from its earliest offset into
///    it with the same dedup and projection code as the live service (its
///    connections' `search_path` is the shadow schema). Its dead letters stay in
///    the shadow: the live service already has them.
/// 3. **Switch**, when the shadow is within one batch of the log end, in one
///    transaction on the live database: lock the live tables against writes
///    (`EXCLUSIVE`: readers go on), read the topic's log end offsets, wait until
///    the shadow group has committed up to them (the live consumer, blocked,
///    cannot have applied anything beyond), stop the shadow consumer, and move
///    the live tables into `retired_<stamp>` and the shadow's into the live
///    schema. Readers see the old projection until the commit and the new one
///    after it, never a mix or an empty one. The live consumer's blocked
///    transaction then resolves the table names again and continues into the
///    new tables: what the shadow already applied is a duplicate there
///    (`processed_events`), nothing after it is missing.
/// 4. The retired and shadow schemas are dropped.
///
/// A rebuild interrupted before the switch leaves its schemas behind; the next
/// one drops them (it tells a running rebuild from a dead one by the
/// `application_name` of its connections).
public struct ProjectionRebuild: Sendable {
    /// How far the shadow has come, for the progress line.
    public struct Progress: Sendable {
        /// Records the shadow group has committed past, counted from the earliest retained offset.
        public var done: Int64
        /// Records between the earliest retained offset and the log end.
        public var total: Int64
        public var phase: String
    }

    /// What the rebuild did.
    public struct Summary: Sendable {
        /// Event ids in the rebuilt dedup table (`nil` if it could not be counted after the switch).
        public var events: Int?
        /// How long live writes waited for the switch.
        public var writesPaused: Duration
        public var duration: Duration
        /// Per partition, the first offset the rebuild read (above 0 where retention dropped records).
        public var startOffsets: [Int32: Int64]
    }

    let configuration: ConsumerConfiguration
    let projection: any EventProjection
    /// Every table the switch swaps: the runtime's dedup and freshness tables and the projection's own.
    let tables: [String]
    let schema: SchemaMigrations
    let logger: Logger
    /// Names this run's schemas and consumer group.
    let stamp: String
    /// How long the switch waits, with live writes held, for the shadow to reach the log end.
    public var catchUpLimit: Duration = .seconds(10)
    /// How many times a switch that could not be made is tried again.
    public var switchAttempts = 3

    public init(
        configuration: ConsumerConfiguration, projection: any EventProjection, projectionTables: [String], schema: SchemaMigrations,
        logger: Logger, stamp: String = ProjectionRebuild.makeStamp()
    ) {
        self.configuration = configuration
        self.projection = projection
        tables = ["consumer_watermarks", "processed_events"] + projectionTables
        self.schema = schema
        self.logger = logger
        self.stamp = stamp
    }

    /// `yyyymmddhhmmss` in UTC and four random hex digits: unique per run, a plain identifier.
    public static func makeStamp() -> String {
        let parts = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: Date())
        let time = [parts.year!, parts.month!, parts.day!, parts.hour!, parts.minute!, parts.second!]
            .map { String(format: "%02d", $0) }.joined()
        return time + String(format: "%04x", Int.random(in: 0..<0x10000))
    }

    var shadowSchema: String { "rebuild_\(stamp)" }
    var retiredSchema: String { "retired_\(stamp)" }
    var shadowGroup: String { "\(configuration.group)-rebuild-\(stamp)" }

    /// Runs the whole rebuild; `report` is called about twice a second while the shadow catches up.
    public func run(fromSnapshot: Bool, report: @escaping @Sendable (Progress) -> Void) async throws -> Summary {
        let started = ContinuousClock.now
        let admin = try configuration.makeAdmin(logger: logger)
        let marks = try await admin.watermarks(topic: configuration.topic)
        let truncated = marks.filter { $0.value.low > 0 }.sorted { $0.key < $1.key }
        if !truncated.isEmpty && !fromSnapshot {
            throw RebuildError(.historyLost, historyLostExplanation(truncated.map { ($0.key, $0.value.low) }))
        }
        let url = configuration.databaseURL
        let livePool = PostgresClient(configuration: url.clientConfiguration(maximumConnections: 2, applicationName: shadowSchema), backgroundLogger: logger)
        let shadowPool = PostgresClient(
            configuration: url.clientConfiguration(maximumConnections: 4, searchPath: shadowSchema, applicationName: shadowSchema), backgroundLogger: logger
        )
        return try await withThrowingTaskGroup(of: Void.self) { pools in
            pools.addTask { await livePool.run() }
            pools.addTask { await shadowPool.run() }
            defer { pools.cancelAll() }
            let live = DatabaseClient(pool: livePool, logger: logger)
            let shadow = DatabaseClient(pool: shadowPool, logger: logger)
            // The live schema is brought up to date first: the swapped tables must match.
            try await schema.apply(client: livePool, logger: logger)
            let liveSchema = try await prepare(live)
            let writesPaused: Duration
            do {
                try await schema.apply(client: shadowPool, logger: logger)
                writesPaused = try await buildAndSwitch(live: live, liveSchema: liveSchema, shadow: shadow, admin: admin, report: report)
            } catch {
                // Leave the live projection as it was; drop what was built (best effort: the next run drops leftovers too).
                _ = try? await live.query("DROP SCHEMA IF EXISTS \(unescaped: shadowSchema) CASCADE", limit: .seconds(120))
                throw error
            }
            // Switched. The old tables go; if they cannot yet (a long reader), the next rebuild drops them.
            do {
                try await live.query("DROP SCHEMA \(unescaped: retiredSchema) CASCADE", limit: .seconds(120))
                try await live.query("DROP SCHEMA \(unescaped: shadowSchema) CASCADE", limit: .seconds(120))
            } catch {
                logger.warning("rebuild: switched, but the old tables could not be dropped yet; the next rebuild drops them", metadata: [
                    "schemas": "\(retiredSchema), \(shadowSchema)", "error": "\(String(reflecting: error))",
                ])
            }
            let events = try? await live.query("SELECT count(*) FROM processed_events", limit: .seconds(120))[0].decode(Int.self)
            logger.info("rebuild switched", metadata: [
                "group": "\(configuration.group)", "events": "\(events.map(String.init) ?? "?")", "writes_paused_ms": "\(writesPaused.wholeMilliseconds)",
            ])
            return Summary(events: events, writesPaused: writesPaused, duration: .now - started, startOffsets: marks.mapValues(\.low))
        }
    }

    private func historyLostExplanation(_ truncated: [(partition: Int32, low: Int64)]) -> String {
        let starts = truncated.map { "partition \($0.partition) starts at offset \($0.low)" }.joined(separator: ", ")
        return """
            The topic \(configuration.topic) no longer holds its whole history: \(starts); the records before were deleted \
            by the topic's retention. A projection rebuilt from what is left would miss every user whose events were dropped. \
            Run `user-service snapshot` first (it publishes every user's current state and every kept tombstone as repair \
            events), then run this rebuild again with --from-snapshot.
            """
    }

    /// Drops the schemas of interrupted rebuilds, refuses if one is running, creates this run's shadow schema.
    /// Returns the live schema (where unqualified names resolve for the service).
    private func prepare(_ live: DatabaseClient) async throws -> String {
        let liveSchema = try await live.query("SELECT current_schema()")[0].decode(String.self)
        guard Self.isPlainIdentifier(liveSchema) else {
            throw RebuildError(.switchFailed, "the live tables are in schema \(liveSchema), which is not a plain identifier")
        }
        let pattern = "^(rebuild|retired)_[a-z0-9]+$"
        let leftovers = try await live.query("SELECT nspname FROM pg_namespace WHERE nspname ~ \(pattern)").map { try $0.decode(String.self) }
        for name in leftovers {
            let owner = "rebuild_" + name.split(separator: "_", maxSplits: 1)[1]
            let connections = try await live.query(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = \(owner) AND datname = current_database()"
            )[0].decode(Int.self)
            if connections > 0 {
                throw RebuildError(.alreadyRunning, "another rebuild of this database is running (schema \(name), \(connections) connection(s)); let it finish first")
            }
            // `name` matched the pattern above: a plain identifier.
            try await live.query("DROP SCHEMA \(unescaped: name) CASCADE", limit: .seconds(120))
            logger.notice("dropped the schema of an interrupted rebuild", metadata: ["schema": "\(name)"])
        }
        try await live.query("CREATE SCHEMA \(unescaped: shadowSchema)")
        return liveSchema
    }

    static func isPlainIdentifier(_ name: String) -> Bool {
        name.range(of: "^[a-z_][a-z0-9_]*$", options: .regularExpression) != nil
    }

    // MARK: Shadow consumer and switch

    private enum SwitchOutcome: Sendable {
        case switched(writesPaused: Duration)
        case deferred(reason: String)
    }

    /// Runs the shadow consumer until it is close to the log end, then tries the switch; a switch
    /// that cannot be made is tried again with a fresh shadow consumer (same group: it goes on from its commits).
    private func buildAndSwitch(
        live: DatabaseClient, liveSchema: String, shadow: DatabaseClient, admin: KafkaAdmin, report: @escaping @Sendable (Progress) -> Void
    ) async throws -> Duration {
        var lastReason = ""
        for attempt in 1...switchAttempts {
            let outcome: SwitchOutcome = try await withThrowingTaskGroup(of: Void.self) { tasks in
                let consumer = try makeShadowConsumer(shadow)
                let consumerGroup = ServiceGroup(configuration: .init(services: [consumer], logger: logger))
                let stopped = AsyncLatch()
                tasks.addTask {
                    defer { stopped.open() }
                    try await consumerGroup.run()
                }
                try await waitUntilCaughtUp(admin: admin, shadowStopped: stopped, report: report)
                report(Progress(done: 0, total: 0, phase: "switching"))
                let outcome = try await switchOver(live: live, liveSchema: liveSchema, admin: admin) {
                    await consumerGroup.triggerGracefulShutdown()
                    try? await stopped.wait()
                }
                await consumerGroup.triggerGracefulShutdown()
                return outcome
            }
            switch outcome {
            case .switched(let writesPaused):
                return writesPaused
            case .deferred(let reason):
                lastReason = reason
                logger.warning("rebuild: the switch was not made; trying again", metadata: ["reason": "\(reason)", "attempt": "\(attempt)"])
            }
        }
        throw RebuildError(.switchFailed, "the switch was not made after \(switchAttempts) attempts: \(lastReason); the live projection is unchanged")
    }

    private func makeShadowConsumer(_ shadow: DatabaseClient) throws -> EventConsumer {
        var shadowConfiguration = configuration
        shadowConfiguration.group = shadowGroup
        return EventConsumer(
            configuration: shadowConfiguration,
            consumer: try KafkaConsumer(configuration: configuration.rebuildConsumerConfiguration(group: shadowGroup), logger: logger),
            store: ProcessedEventsStore(database: shadow, projection: projection, logger: logger),
            statistics: ConsumerStatistics(metrics: ConsumerMetrics(registry: PrometheusCollectorRegistry())), logger: logger
        )
    }

    /// Reports progress until the shadow group's lag is at most one batch.
    private func waitUntilCaughtUp(admin: KafkaAdmin, shadowStopped: AsyncLatch, report: @Sendable (Progress) -> Void) async throws {
        let topic = configuration.topic
        while true {
            if shadowStopped.isOpen {
                throw RebuildError(.shadowStopped, "the rebuild's consumer stopped on its own (see the log); the live projection is unchanged")
            }
            let marks = try await admin.watermarks(topic: topic)
            let committed = try await admin.committedOffsets(group: shadowGroup, topic: topic)
            let lag = Self.remaining(marks, committed).values.reduce(0, +)
            let total = marks.values.reduce(0) { $0 + ($1.high - $1.low) }
            let joined = committed.values.contains { $0 != nil }
            report(Progress(done: max(0, total - lag), total: total, phase: joined ? "catching up" : "joining"))
            // Close to the end, and consuming every partition that has records (not still joining the
            // group): the switch then holds live writes only for the last records.
            let consuming = marks.allSatisfy { partition, mark in (committed[partition] ?? nil) != nil || mark.high == mark.low }
            if consuming && lag <= Int64(configuration.batchSize) { return }
            try await Task.sleep(for: .milliseconds(500))
        }
    }

    /// Per partition, the records the shadow group has not committed past (from the log start
    /// where it has committed nothing yet).
    static func remaining(_ marks: [Int32: (low: Int64, high: Int64)], _ committed: [Int32: Int64?]) -> [Int32: Int64] {
        Dictionary(uniqueKeysWithValues: marks.map { partition, mark in
            (partition, max(0, mark.high - ((committed[partition] ?? nil) ?? mark.low)))
        })
    }

    /// The switch, in one transaction on the live database (see the type's documentation).
    private func switchOver(
        live: DatabaseClient, liveSchema: String, admin: KafkaAdmin, stopShadow: @escaping @Sendable () async -> Void
    ) async throws -> SwitchOutcome {
        let (tables, shadowSchema, retiredSchema, shadowGroup) = (self.tables, self.shadowSchema, self.retiredSchema, self.shadowGroup)
        let (topic, limit, logger) = (configuration.topic, catchUpLimit, self.logger)
        let liveTables = tables.map { "\(liveSchema).\($0)" }.joined(separator: ", ")
        do {
            return try await live.withTransaction(limit: limit + .seconds(20)) { connection in
                // Identifiers below are the fixed table names and schemas checked to be plain identifiers.
                try await connection.query("SET LOCAL lock_timeout = '5s'", logger: logger)
                try await connection.query("LOCK TABLE \(unescaped: liveTables) IN EXCLUSIVE MODE", logger: logger)
                let heldSince = ContinuousClock.now
                // Live writes wait from here on: whatever the live projection holds comes from records before these offsets.
                let marks = try await admin.watermarks(topic: topic)
                while true {
                    let behind = Self.remaining(marks, try await admin.committedOffsets(group: shadowGroup, topic: topic)).filter { $0.value > 0 }
                    if behind.isEmpty { break }
                    if ContinuousClock.now - heldSince > limit {
                        return .deferred(reason: "the rebuilt projection did not reach the log end of partitions \(behind.keys.sorted()) within \(limit)")
                    }
                    try await Task.sleep(for: .milliseconds(20))
                }
                await stopShadow()
                try await connection.query("CREATE SCHEMA \(unescaped: retiredSchema)", logger: logger)
                for table in tables {
                    try await connection.query("ALTER TABLE \(unescaped: liveSchema).\(unescaped: table) SET SCHEMA \(unescaped: retiredSchema)", logger: logger)
                }
                for table in tables {
                    try await connection.query("ALTER TABLE \(unescaped: shadowSchema).\(unescaped: table) SET SCHEMA \(unescaped: liveSchema)", logger: logger)
                }
                return .switched(writesPaused: .now - heldSince)
            }
        } catch where PostgresErrorInspection.sqlState(of: error) == "55P03" {
            return .deferred(reason: "a table lock was not granted within 5 s (a long transaction on the live tables?)")
        }
    }
}
