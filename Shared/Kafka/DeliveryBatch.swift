import Synchronization

/// Collects the delivery reports of one ``KafkaProducer/sendBatch(_:)`` call and
/// resumes its caller once every record has a result.
final class DeliveryBatch: Sendable {
    fileprivate struct State {
        var results: [Result<KafkaDeliveryReport, KafkaError>?]
        var remaining: Int
        var continuation: CheckedContinuation<[Result<KafkaDeliveryReport, KafkaError>], Never>?
    }

    fileprivate let state: Mutex<State>

    init(count: Int, continuation: CheckedContinuation<[Result<KafkaDeliveryReport, KafkaError>], Never>) {
        state = Mutex(State(results: Array(repeating: nil, count: count), remaining: count, continuation: continuation))
    }

    func record(_ result: Result<KafkaDeliveryReport, KafkaError>, at index: Int) {
        let finished: (CheckedContinuation<[Result<KafkaDeliveryReport, KafkaError>], Never>, [Result<KafkaDeliveryReport, KafkaError>])? =
            state.withLock { state in
                guard state.results[index] == nil else { return nil }
                state.results[index] = result
                state.remaining -= 1
                guard state.remaining == 0, let continuation = state.continuation else { return nil }
                state.continuation = nil
                return (continuation, state.results.map { $0! })
            }
        if let (continuation, results) = finished {
            continuation.resume(returning: results)
        }
    }
}

extension DeliveryBatch {
    /// Stops waiting: every record without a report yet fails with `error` now.
    /// Reports that arrive later are ignored (the records may still be delivered).
    func abandon(with error: KafkaError) {
        let finished: (CheckedContinuation<[Result<KafkaDeliveryReport, KafkaError>], Never>, [Result<KafkaDeliveryReport, KafkaError>])? =
            state.withLock { state in
                guard let continuation = state.continuation else { return nil }
                state.continuation = nil
                return (continuation, state.results.map { $0 ?? .failure(error) })
            }
        if let (continuation, results) = finished {
            continuation.resume(returning: results)
        }
    }
}

/// The per-record opaque handed to librdkafka: which batch, which slot.
final class DeliveryTicket: Sendable {
    let batch: DeliveryBatch
    let index: Int

    init(batch: DeliveryBatch, index: Int) {
        self.batch = batch
        self.index = index
    }
}
