import Synchronization

/// Opens once; every ``wait()`` before that suspends, every one after returns
/// at once. A failed latch throws its error to all waiters; a cancelled waiter
/// throws `CancellationError`. Used to hold back work (the outbox relay, the
/// consumers) until start-up migrations are done.
public final class AsyncLatch: Sendable {
    private enum Status {
        case closed
        case opened
        case failed(any Error)
    }

    private struct State {
        var status = Status.closed
        var waiters: [Int: CheckedContinuation<Void, any Error>] = [:]
        var nextWaiter = 0
    }

    private let state = Mutex(State())

    public init() {}

    public func open() {
        finish(nil)
    }

    public func fail(_ error: any Error) {
        finish(error)
    }

    /// Whether ``open()`` has been called (a cheap check for loops that poll anyway).
    public var isOpen: Bool {
        state.withLock { state in
            if case .opened = state.status { return true }
            return false
        }
    }

    public func wait() async throws {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome: Result<Void, any Error>? = state.withLock { state in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    switch state.status {
                    case .closed:
                        state.waiters[id] = continuation
                        return nil
                    case .opened:
                        return .success(())
                    case .failed(let error):
                        return .failure(error)
                    }
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume(throwing: CancellationError())
        }
    }

    private func finish(_ error: (any Error)?) {
        let waiters: [CheckedContinuation<Void, any Error>] = state.withLock { state in
            guard case .closed = state.status else { return [] }
            state.status = error.map { .failed($0) } ?? .opened
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters {
            if let error { waiter.resume(throwing: error) } else { waiter.resume() }
        }
    }
}
