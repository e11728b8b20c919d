import Observability
import Prometheus

/// The periodic check's figures on `/metrics`, per target.
struct AntiEntropyMetrics: Sendable {
    let registry: PrometheusCollectorRegistry

    func run(target: String, result: String) -> Counter {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                "anti_entropy_runs_total", help: "Anti-entropy checks of a projection, by target and result (consistent, divergent, failed)."
            ),
            labels: [("target", target), ("result", result)]
        )
    }

    func divergentUsers(target: String) -> Gauge {
        registry.makeGauge(
            descriptor: MetricNameDescriptor("anti_entropy_divergent_users", help: "Users found divergent in a projection by the last anti-entropy check."),
            labels: [("target", target)]
        )
    }

    func lastSuccess(target: String) -> Gauge {
        registry.makeGauge(
            descriptor: MetricNameDescriptor(
                "anti_entropy_last_success_timestamp_seconds", help: "Unix time of the last anti-entropy check of a projection that did not fail."
            ),
            labels: [("target", target)]
        )
    }
}
