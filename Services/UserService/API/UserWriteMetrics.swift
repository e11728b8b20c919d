import Observability
import Prometheus

/// `user_writes_total{operation, outcome}`: every write to `/users` by what became of it.
///
/// Every outcome an operation can have is exported from the start at 0, so a rate
/// over it reads 0 rather than nothing until the first one happens.
struct UserWriteMetrics: Sendable {
    /// The `operation` label: `POST /users` creates, `PUT` and `PATCH` update.
    enum Operation: String, Sendable, CaseIterable {
        case create, update, delete

        var possibleOutcomes: [UserWriteOutcome] {
            switch self {
            case .create: [.created, .conflict, .invalid, .idempotentReplay, .error]
            case .update: [.updated, .unchanged, .versionConflict, .conflict, .notFound, .invalid, .idempotentReplay, .error]
            case .delete: [.deleted, .versionConflict, .notFound, .invalid, .idempotentReplay, .error]
            }
        }
    }

    let registry: PrometheusCollectorRegistry

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        for operation in Operation.allCases {
            for outcome in operation.possibleOutcomes { _ = counter(operation, outcome) }
        }
    }

    func record(_ operation: Operation, _ outcome: UserWriteOutcome) {
        counter(operation, outcome).increment()
    }

    private func counter(_ operation: Operation, _ outcome: UserWriteOutcome) -> Counter {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                "user_writes_total",
                help: "Writes to /users by operation (create, update, delete) and outcome (created, updated, unchanged, deleted, "
                    + "version_conflict, conflict, not_found, invalid, idempotent_replay, error)."
            ),
            labels: [("operation", operation.rawValue), ("outcome", outcome.rawValue)]
        )
    }
}
