import AsyncPrimitives
import Foundation
import Kafka
import Logging
import ServiceLifecycle

/// Writes the `consumer lag` line (README, "Reading the lag lines") every interval (a
/// ``PeriodicService``, first after one interval) and exports the same figures as metrics:
///
/// ```
/// level=info msg="consumer lag" group=… topic=user-events lag=12 status=LAGGING partitions="0:5,1:7,…" applied=1031 duplicates=4 dead_lettered=0 e2e_p50_ms=8 e2e_p99_ms=41 staleness_ms=230
/// ```
///
/// `lag` is computed from the broker (log end − committed offset of the group),
/// not from what this process believes, so it is the truth for every instance
/// of the group. `applied`, `duplicates` and `dead_lettered` count this
/// process's work since it started.
public struct LagReporter: Service {
    let group: String
    let topic: String
    let interval: Duration
    /// How long the apply loop may make no progress while records wait before the line says `ERROR`.
    let stuckAfter: Duration
    /// With lag 0, a staleness above this is `STALE`.
    let stalenessSLO: Duration
    let admin: KafkaAdmin
    let statistics: ConsumerStatistics
    /// Whether the database answers (checked each line, with a time-out).
    let databaseReachable: @Sendable () async -> Bool
    /// The projection's staleness from its database (every instance's heartbeats), for an
    /// instance that owns no partition: after the broker revoked them all (an outage longer
    /// than the session time-out), or with more instances than partitions. `nil` if unknown.
    let projectionStaleness: @Sendable () async -> Duration?
    let logger: Logger

    public init(
        group: String, topic: String, interval: Duration, stuckAfter: Duration = .seconds(60), stalenessSLO: Duration = .seconds(5), admin: KafkaAdmin,
        statistics: ConsumerStatistics, logger: Logger, databaseReachable: @escaping @Sendable () async -> Bool,
        projectionStaleness: @escaping @Sendable () async -> Duration? = { nil }
    ) {
        self.group = group
        self.topic = topic
        self.interval = interval
        self.stuckAfter = stuckAfter
        self.stalenessSLO = stalenessSLO
        self.admin = admin
        self.statistics = statistics
        self.databaseReachable = databaseReachable
        self.projectionStaleness = projectionStaleness
        self.logger = logger
    }

    public func run() async throws {
        // Each line is compared with the one before it (committed offsets moved? the lag when the broker does not answer).
        let first: (committedSum: Int64?, lag: Int64) = (nil, 0)
        try await PeriodicService(every: interval, firstRound: .afterInterval, state: first) { previous in
            previous = await self.report(previousCommittedSum: previous.committedSum, lastLag: previous.lag)
        }.run()
    }

    /// Writes one line; returns the committed sum and lag to compare the next line with.
    @discardableResult
    public func report(previousCommittedSum: Int64?, lastLag: Int64 = 0) async -> (committedSum: Int64?, lag: Int64) {
        let snapshot = statistics.snapshot
        var metadata: Logger.Metadata = [
            "group": "\(group)", "topic": "\(topic)",
            "applied": "\(snapshot.applied)", "duplicates": "\(snapshot.duplicates)", "dead_lettered": "\(snapshot.deadLettered)",
            "e2e_p50_ms": "\(Int(snapshot.latencyQuantile(0.5).rounded()))", "e2e_p99_ms": "\(Int(snapshot.latencyQuantile(0.99).rounded()))",
        ]
        var staleness = snapshot.staleness()
        // Owning nothing, the instance has no watermark of its own; the projection it serves still has one.
        if snapshot.assignedAt.isEmpty, let projection = await projectionStaleness() { staleness = projection }
        metadata["staleness_ms"] = "\(staleness.wholeMilliseconds)"
        statistics.recordStaleness(staleness)
        if snapshot.offsetsSkipped > 0 { metadata["offsets_skipped"] = "\(snapshot.offsetsSkipped)" }
        let lags: [PartitionLag]
        do {
            lags = try await admin.lag(group: group, topic: topic)
        } catch {
            metadata["lag"] = "\(lastLag)"
            metadata["status"] = "\(LagStatus.error.rawValue)"
            metadata["error"] = "broker: \(error)"
            statistics.recordStatus(.error)
            logger.info("consumer lag", metadata: metadata)
            return (previousCommittedSum, lastLag)
        }
        let lag = lags.reduce(0) { $0 + $1.lag }
        let committedSum = lags.reduce(Int64(0)) { $0 + ($1.committedOffset ?? 0) }
        statistics.recordLag(lags)
        // A failure only matters while there is work it holds up; an unreachable database always does.
        var failure = lag > 0 ? snapshot.failure : nil
        var watched = statistics.snapshot
        watched.lastKnownLag = lag
        if watched.isStuck(after: stuckAfter) {
            failure = "stuck: \(watched.stuckReason())"
            logger.error("consumer stuck", metadata: ["group": "\(group)", "reason": "\(watched.stuckReason())"])
        }
        if await !databaseReachable() { failure = "database unreachable" }
        let status = LagStatus.of(
            lag: lag, committedSum: committedSum, previousCommittedSum: previousCommittedSum, failing: failure != nil,
            stale: staleness > stalenessSLO
        )
        metadata["lag"] = "\(lag)"
        metadata["status"] = "\(status.rawValue)"
        metadata["partitions"] = "\(lags.map { "\($0.partition):\($0.lag)" }.joined(separator: ","))"
        if status == .error, let failure { metadata["error"] = "\(failure)" }
        statistics.recordStatus(status)
        logger.info("consumer lag", metadata: metadata)
        return (committedSum, lag)
    }
}
