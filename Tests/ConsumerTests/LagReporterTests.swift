@testable import Consumer
import Foundation
import Kafka
import Observability
import TestSupport
import Testing

@Suite("Lag line: documented keys, broker-computed lag, status", .timeLimit(.minutes(3)))
struct LagReporterTests {
    static let documentedKeys = [
        "level", "msg", "group", "topic", "lag", "status", "partitions", "applied", "duplicates", "dead_lettered", "e2e_p50_ms", "e2e_p99_ms", "staleness_ms", "ts",
    ]

    @Test
    func theLineParsesToTheDocumentedKeysAndItsLagIsTheAdminLag() async throws {
        try await withConsumerWorld(partitions: 3) { world in
            let group = "lag-\(UUID().uuidString.prefix(8))"
            try await world.publish((0..<12).map { _ in TestEvents.updated(UUID(), version: 1) })
            // A member of the group reads everything but commits only the first record of each partition.
            let consumer = try KafkaConsumer(configuration: world.broker.consumerConfiguration(group: group), logger: world.broker.logger)
            try await consumer.subscribe(topics: [world.topic])
            var read: [KafkaConsumerMessage] = []
            try await eventually("12 records read") {
                read += try await consumer.poll(maxMessages: 100, timeout: .milliseconds(200)).messages
                return read.count == 12
            }
            let firsts = Dictionary(grouping: read, by: \.topicPartition).mapValues { $0.map(\.offset).min()! + 1 }
            try await consumer.commit(nextOffsets: firsts)

            let lines = CapturedLines()
            let telemetry = Telemetry()
            let statistics = ConsumerStatistics(metrics: ConsumerMetrics(registry: telemetry.registry))
            let databaseUp = Flag(true)
            let reporter = LagReporter(
                group: group, topic: world.topic, interval: .seconds(5), admin: world.admin, statistics: statistics,
                logger: lines.logger(format: .logfmt), databaseReachable: { databaseUp.value }
            )
            #expect(!telemetry.render().contains("consumer_status"), "no status before the first line")
            let first = await reporter.report(previousCommittedSum: nil)
            let fields = CapturedLines.logfmt(lines.all[0])
            #expect(fields.map(\.key) == Self.documentedKeys, "keys in the documented order")
            let values = Dictionary(uniqueKeysWithValues: fields)
            #expect(values["level"] == "info")
            #expect(values["msg"] == "consumer lag")
            #expect(values["group"] == group)
            #expect(values["topic"] == world.topic)
            let adminLag = try await world.admin.lag(group: group, topic: world.topic)
            #expect(values["lag"] == String(adminLag.reduce(0) { $0 + $1.lag }))
            #expect(values["lag"] == String(12 - firsts.count))
            #expect(values["partitions"] == adminLag.map { "\($0.partition):\($0.lag)" }.joined(separator: ","))
            #expect(values["status"] == "LAGGING")
            #expect(Self.statusStateSet(telemetry) == Self.stateSet(current: .lagging))

            let second = await reporter.report(previousCommittedSum: first.committedSum)
            #expect(Dictionary(uniqueKeysWithValues: CapturedLines.logfmt(lines.all[1]))["status"] == "STALLED", "nothing committed since")
            #expect(Self.statusStateSet(telemetry) == Self.stateSet(current: .stalled))

            databaseUp.value = false
            _ = await reporter.report(previousCommittedSum: second.committedSum)
            #expect(Dictionary(uniqueKeysWithValues: CapturedLines.logfmt(lines.all[2]))["status"] == "ERROR")
            #expect(Self.statusStateSet(telemetry) == Self.stateSet(current: .error))
            databaseUp.value = true

            try await consumer.commit(processed: read)
            await consumer.close()
            _ = await reporter.report(previousCommittedSum: second.committedSum)
            let done = Dictionary(uniqueKeysWithValues: CapturedLines.logfmt(lines.all[3]))
            #expect(done["lag"] == "0")
            #expect(done["status"] == "OK")
            #expect(Self.statusStateSet(telemetry) == Self.stateSet(current: .ok))

            let json = CapturedLines()
            let jsonReporter = LagReporter(
                group: group, topic: world.topic, interval: .seconds(5), admin: world.admin, statistics: statistics,
                logger: json.logger(format: .json), databaseReachable: { true }
            )
            _ = await jsonReporter.report(previousCommittedSum: nil)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.all[0].utf8)) as? [String: Any])
            #expect(Set(object.keys) == Set(Self.documentedKeys))
            #expect(object["lag"] as? Int == 0)
            #expect(object["status"] as? String == "OK")
        }
    }

    /// An instance that owns no partition reports the projection's staleness from its database.
    /// Found in a run where the broker was down longer than the session time-out: every
    /// partition was revoked and the lag line read `staleness_ms=0` while nothing was applied.
    @Test
    func anInstanceOwningNoPartitionReportsTheProjectionsStalenessNotZero() async throws {
        try await withConsumerWorld(partitions: 1) { world in
            let lines = CapturedLines()
            let telemetry = Telemetry()
            let statistics = ConsumerStatistics(metrics: ConsumerMetrics(registry: telemetry.registry))
            let reporter = LagReporter(
                group: "idle-\(UUID().uuidString.prefix(8))", topic: world.topic, interval: .seconds(5), admin: world.admin, statistics: statistics,
                logger: lines.logger(format: .logfmt), databaseReachable: { true }, projectionStaleness: { .seconds(42) }
            )
            _ = await reporter.report(previousCommittedSum: nil)
            let values = Dictionary(uniqueKeysWithValues: CapturedLines.logfmt(lines.all[0]))
            #expect(values["staleness_ms"] == "42000", "the projection's staleness, from its database")
            #expect(values["status"] == "STALE", "lag 0, and 42 s is beyond the 5 s SLO")
            #expect(MetricText.value("consumer_staleness_seconds", in: telemetry.render()) == 42)

            // Owning a partition again, its own heartbeat watermark counts.
            statistics.recordAssigned([0])
            statistics.recordWatermarks([0: Date()])
            _ = await reporter.report(previousCommittedSum: nil)
            let own = Dictionary(uniqueKeysWithValues: CapturedLines.logfmt(lines.all[1]))
            #expect(Int(own["staleness_ms"] ?? "") ?? .max < 1000)
            #expect(own["status"] == "OK")
        }
    }

    /// The `consumer_status` series on `/metrics`: state → value.
    static func statusStateSet(_ telemetry: Telemetry) -> [String: Double] {
        let text = telemetry.render()
        return Dictionary(uniqueKeysWithValues: LagStatus.allCases.compactMap { state in
            MetricText.value(#"consumer_status{status="\#(state.rawValue)"}"#, in: text).map { (state.rawValue, $0) }
        })
    }

    /// Every state present, `current` at 1 and the others at 0.
    static func stateSet(current: LagStatus) -> [String: Double] {
        Dictionary(uniqueKeysWithValues: LagStatus.allCases.map { ($0.rawValue, $0 == current ? 1 : 0) })
    }

    @Test(arguments: [
        (lag: Int64(0), sum: Int64(5), previous: Int64?.some(5), failing: false, expected: LagStatus.ok),
        (lag: 3, sum: 9, previous: 5, failing: false, expected: .lagging),
        (lag: 3, sum: 5, previous: 5, failing: false, expected: .stalled),
        (lag: 3, sum: 5, previous: nil, failing: false, expected: .lagging),
        (lag: 0, sum: 5, previous: 5, failing: true, expected: .error),
    ])
    func statusRules(_ example: (lag: Int64, sum: Int64, previous: Int64?, failing: Bool, expected: LagStatus)) {
        #expect(LagStatus.of(lag: example.lag, committedSum: example.sum, previousCommittedSum: example.previous, failing: example.failing) == example.expected)
    }
}
