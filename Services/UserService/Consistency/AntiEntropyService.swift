import AsyncHTTPClient
import AsyncPrimitives
import Consistency
import Foundation
import Logging
import Prometheus
import ServiceLifecycle

/// The relay leader's periodic divergence check (and repair): every
/// `ANTI_ENTROPY_INTERVAL_SECONDS` (a ``PeriodicService``, first after one interval) it compares the source with each projection,
/// repairs what differs when `ANTI_ENTROPY_REPAIR=on`, and writes one line
/// `msg="anti-entropy"` per target with the same figures as its metrics.
/// Instances that do not lead skip their turn.
struct AntiEntropyService: Service {
    let interval: Duration
    let repair: Bool
    let targets: [(name: String, url: String, content: ProjectionContent)]
    let store: UserStore
    let repairs: Repairs
    let leadership: Leadership
    let metrics: AntiEntropyMetrics
    let logger: Logger

    func run() async throws {
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let checks = PeriodicService(every: interval, firstRound: .afterInterval) {
            guard leadership.isLeader else { return }
            for target in targets { await check(target, http: http) }
        }
        do {
            try await checks.run()
        } catch {
            try? await http.shutdown()
            throw error
        }
        try? await http.shutdown()
    }

    func check(_ target: (name: String, url: String, content: ProjectionContent), http: HTTPClient) async {
        let reconciler = Reconciler(target: target.name, baseURL: target.url, content: target.content, http: http, source: store, settle: .seconds(30))
        let report = await reconciler.runAndRepair(with: repair ? repairs : nil)
        metrics.run(target: target.name, result: report.result.rawValue).increment()
        metrics.divergentUsers(target: target.name).set(to: Double(report.divergences.count))
        if report.result != .failed { metrics.lastSuccess(target: target.name).set(to: Date().timeIntervalSince1970) }
        var metadata: Logger.Metadata = [
            "target": "\(target.name)", "entities": "\(report.entities)", "differing_buckets": "\(report.differingBuckets)",
            "missing": "\(report.count(.missing))", "stale": "\(report.count(.stale))", "ahead": "\(report.count(.ahead))",
            "extra": "\(report.count(.extra))", "content": "\(report.count(.content))", "repaired": "\(report.repaired ?? 0)", "duration_ms": "\(report.durationMilliseconds)",
            "result": "\(report.result.rawValue)",
        ]
        if let error = report.error { metadata["error"] = "\(error)" }
        if report.result == .consistent {
            logger.info("anti-entropy", metadata: metadata)
        } else {
            logger.warning("anti-entropy", metadata: metadata)
        }
    }
}
