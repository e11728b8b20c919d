import Synchronization

/// Collects the delivery reports of the records of one ``KafkaProducer/produce(_:whenDelivered:)``
/// call. Whoever waits (``wait()``) resumes once every record has a result; reports that
/// arrive before anyone waits are kept.
final class DeliveryBatch: Sendable {
    typealias Results = [Result<KafkaDeliveryReport, KafkaError>]

    fileprivate struct State {
        var results: [Result<KafkaDeliveryReport, KafkaError>?]
        var remaining: Int
        var continuation: CheckedContinuation<Results, Never>?
        /// Set by ``abandon(with:)``: the records still without a report fail with it.
        var abandonedWith: KafkaError?

        /// Every slot filled: now, or with the abandon error for the records still missing.
        var finished: Results? {
            if remaining == 0 { return results.map { $0! } }
            if let abandonedWith { return results.map { $0 ?? .failure(abandonedWith) } }
            return nil
        }
    }

    fileprivate let state: Mutex<State>
    /// Called once, on the thread that records the last report (keep it short).
    private let whenDelivered: (@Sendable () -> Void)?

    init(count: Int, whenDelivered: (@Sendable () -> Void)? = nil) {
        state = Mutex(State(results: Array(repeating: nil, count: count), remaining: count))
        self.whenDelivered = whenDelivered
    }

    func record(_ result: Result<KafkaDeliveryReport, KafkaError>, at index: Int) {
        let (lastReport, waiter): (Bool, (CheckedContinuation<Results, Never>, Results)?) = state.withLock { state in
            guard state.results[index] == nil else { return (false, nil) }
            state.results[index] = result
            state.remaining -= 1
            guard state.remaining == 0 else { return (false, nil) }
            guard state.abandonedWith == nil, let continuation = state.continuation else { return (true, nil) }
            state.continuation = nil
            return (true, (continuation, state.results.map { $0! }))
        }
        if let (continuation, results) = waiter { continuation.resume(returning: results) }
        if lastReport { whenDelivered?() }
    }

    /// Every result if each record has one (or the batch was abandoned), else `nil`. Does not wait.
    var results: Results? {
        state.withLock { $0.finished }
    }

    /// Waits until every record has a result (or the batch is abandoned). One waiter at a time.
    func wait() async -> Results {
        await withCheckedContinuation { continuation in
            let ready: Results? = state.withLock { state in
                if let finished = state.finished { return finished }
                state.continuation = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}

extension DeliveryBatch {
    /// Stops waiting: every record without a report yet fails with `error` now.
    /// Reports that arrive later are ignored (the records may still be delivered).
    func abandon(with error: KafkaError) {
        let waiter: (CheckedContinuation<Results, Never>, Results)? = state.withLock { state in
            guard state.remaining > 0, state.abandonedWith == nil else { return nil }
            state.abandonedWith = error
            guard let continuation = state.continuation else { return nil }
            state.continuation = nil
            return (continuation, state.finished!)
        }
        if let (continuation, results) = waiter { continuation.resume(returning: results) }
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
