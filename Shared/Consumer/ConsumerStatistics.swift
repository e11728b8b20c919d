import AsyncPrimitives
import Foundation
import Kafka
import Prometheus
import Synchronization

/// Running totals shared by the consumer loop (which records) and the lag
/// reporter (which reads): applied, duplicates, dead letters, recent
/// end-to-end latencies, whether the database or broker is failing, and when
/// the apply loop last made progress (the stuck-consumer watchdog).
public final class ConsumerStatistics: Sendable {
    /// A consistent copy of the figures.
    public struct Snapshot: Sendable, Equatable {
        public var applied = 0
        public var duplicates = 0
        public var deadLettered = 0
        public var offsetsSkipped = 0
        /// Milliseconds from event time to projection commit, most recent last.
        public var recentLatencies: [Double] = []
        /// Set while applying fails for a transient reason (database or broker down).
        public var failure: String?
        /// When the apply loop last made progress: applied or dead-lettered
        /// records, or found nothing to do.
        public var lastProgress = ContinuousClock.now
        /// What the apply loop is doing (or waiting for) right now, for the stuck log line.
        public var step = "starting"
        /// The group's lag as the lag reporter last read it from the broker.
        public var lastKnownLag: Int64 = 0
        /// Per owned partition: the watermark of the latest heartbeat applied…
        public var watermarks: [Int32: Date] = [:]
        /// …or, until the first one, when the partition was assigned.
        public var assignedAt: [Int32: Date] = [:]

        /// How long ago `watermark` was, never negative: staleness by the freshness contract.
        public static func staleness(of watermark: Date, now: Date = Date()) -> Duration {
            .milliseconds(Int64((max(0, now.timeIntervalSince(watermark)) * 1000).rounded()))
        }

        /// How far behind the source this instance may be: now − the oldest watermark over the
        /// partitions it owns (a partition without a heartbeat yet counts from its assignment);
        /// zero when it owns none.
        public func staleness(now: Date = Date()) -> Duration {
            let marks = assignedAt.map { partition, assigned in watermarks[partition] ?? assigned }
            guard let oldest = marks.min() else { return .zero }
            return Self.staleness(of: oldest, now: now)
        }

        /// Whether the loop has made no progress for `limit` while records wait (lag > 0).
        public func isStuck(after limit: Duration, now: ContinuousClock.Instant = .now) -> Bool {
            lastKnownLag > 0 && now - lastProgress > limit
        }

        /// Why the consumer counts as stuck, for logs, the lag line and `/ready`.
        public func stuckReason(now: ContinuousClock.Instant = .now) -> String {
            let seconds = (now - lastProgress).components.seconds
            return "no progress for \(seconds) s while \(lastKnownLag) records wait; the apply loop is \(step)"
                + (failure.map { "; last failure: \($0)" } ?? "")
        }
        /// The `q`-quantile (0…1) of the recent latencies, by nearest rank; 0 without samples.
        public func latencyQuantile(_ q: Double) -> Double {
            guard !recentLatencies.isEmpty else { return 0 }
            let sorted = recentLatencies.sorted()
            let rank = Int((q * Double(sorted.count)).rounded(.up)) - 1
            return sorted[min(max(rank, 0), sorted.count - 1)]
        }
    }

    /// How many latency samples the percentiles are computed over.
    public static let latencyWindow = 2048

    private let state = Mutex(Snapshot())
    /// Every figure this type records also goes here; nothing else writes to it.
    private let metrics: ConsumerMetrics

    public init(metrics: ConsumerMetrics) {
        self.metrics = metrics
    }

    public var snapshot: Snapshot { state.withLock { $0 } }

    func recordApplied(_ outcome: ProcessedEventsStore.Outcome) {
        let latencies = outcome.applied.map { max(0, outcome.committedAt.timeIntervalSince($0.time) * 1000) }
        state.withLock { state in
            state.applied += outcome.applied.count
            state.duplicates += outcome.duplicates
            state.recentLatencies.append(contentsOf: latencies)
            if state.recentLatencies.count > Self.latencyWindow {
                state.recentLatencies.removeFirst(state.recentLatencies.count - Self.latencyWindow)
            }
            state.failure = nil
            state.lastProgress = .now
        }
        metrics.applied.increment(by: Int64(outcome.applied.count))
        metrics.duplicates.increment(by: Int64(outcome.duplicates))
        for latency in latencies { metrics.endToEnd.record(.nanoseconds(Int64(latency * 1_000_000))) }
    }

    func recordDeadLetters(_ letters: [DeadLetter]) {
        state.withLock { state in
            state.deadLettered += letters.count
            state.lastProgress = .now
        }
        for letter in letters {
            (letter.errorClass == .permanent ? metrics.deadLetteredPermanent : metrics.deadLetteredExhausted).increment()
        }
    }

    func recordIgnoredHeartbeat() {
        metrics.heartbeatsIgnored.increment()
    }

    func recordSkippedOffsets(_ count: Int64) {
        state.withLock { $0.offsetsSkipped += Int(count) }
        metrics.offsetsSkipped.increment(by: count)
    }

    func recordTransientFailure(_ description: String) {
        state.withLock { $0.failure = description }
        metrics.transientFailures.increment()
    }

    /// The loop found nothing to apply: being idle is progress.
    func recordIdle() {
        state.withLock { $0.lastProgress = .now }
    }

    /// What the loop is about to wait for.
    func recordStep(_ step: String) {
        state.withLock { $0.step = step }
    }

    /// Partitions assigned to this instance: stale from now until their first heartbeat.
    func recordAssigned(_ partitions: [Int32]) {
        let now = Date()
        state.withLock { state in
            for partition in partitions { state.assignedAt[partition] = now }
        }
    }

    func recordRevoked(_ partitions: [Int32]) {
        state.withLock { state in
            for partition in partitions {
                state.assignedAt[partition] = nil
                state.watermarks[partition] = nil
            }
        }
    }

    /// The watermarks of the latest heartbeats, once the records before them are applied.
    func recordWatermarks(_ watermarks: [Int32: Date]) {
        guard !watermarks.isEmpty else { return }
        state.withLock { state in
            for (partition, watermark) in watermarks where state.assignedAt[partition] != nil {
                // The latest heartbeat speaks for the source now, also when its watermark is older
                // than the one before (a backlog formed upstream).
                state.watermarks[partition] = watermark
            }
            state.lastProgress = .now
        }
    }

    /// The group's lag as the lag reporter read it from the broker, in total and per partition.
    func recordLag(_ lags: [PartitionLag]) {
        let lag = lags.reduce(0) { $0 + $1.lag }
        state.withLock { $0.lastKnownLag = lag }
        metrics.lag.set(to: Double(lag))
        for partition in lags { metrics.partitionLag(partition.partition).set(to: Double(partition.lag)) }
    }

    /// The staleness the lag line reports.
    func recordStaleness(_ staleness: Duration) {
        metrics.staleness.set(to: staleness.inSeconds)
    }

    /// The status of the lag line just written.
    func recordStatus(_ status: LagStatus) {
        metrics.recordStatus(status)
    }
}
