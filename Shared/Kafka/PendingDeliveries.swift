/// Records handed to librdkafka by ``KafkaProducer/produce(_:whenDelivered:)`` whose
/// delivery reports may still be arriving, one result per record, in the order given.
public struct PendingDeliveries: Sendable {
    let batch: DeliveryBatch

    /// Every record's result if each has its report, else `nil`. Does not wait.
    public var results: [Result<KafkaDeliveryReport, KafkaError>]? {
        batch.results
    }

    /// Waits for every delivery report. Cancelling the caller stops the wait: every record
    /// without a report yet fails with ``KafkaError/Code/deliveryReportAbandoned`` (it may
    /// still be delivered).
    public func reports() async -> [Result<KafkaDeliveryReport, KafkaError>] {
        await withTaskCancellationHandler {
            await batch.wait()
        } onCancel: {
            // The records stay with librdkafka (they may still be delivered); the caller stops waiting.
            batch.abandon(with: .deliveryReportAbandoned)
        }
    }
}
