import CoreMetrics
import Metrics

/// The periodic check's figures on `/metrics`, per target.
struct AntiEntropyMetrics: Sendable {
    let factory: any MetricsFactory

    func run(target: String, result: String) -> Counter {
        Counter(label: "anti_entropy_runs_total", dimensions: [("target", target), ("result", result)], factory: factory)
    }

    func divergentUsers(target: String) -> Gauge {
        Gauge(label: "anti_entropy_divergent_users", dimensions: [("target", target)], factory: factory)
    }

    func lastSuccess(target: String) -> Gauge {
        Gauge(label: "anti_entropy_last_success_timestamp_seconds", dimensions: [("target", target)], factory: factory)
    }
}
