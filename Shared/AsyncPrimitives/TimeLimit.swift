import Synchronization

/// Runs an operation with a time limit that holds even when the operation does
/// not react to cancellation (a query on a connection the server has just
/// dropped can wait forever: seen after PostgreSQL restarts).
///
/// This is the project's one deliberate unstructured task: a task group would
/// wait for its child, which is exactly what must not happen here. On time-out
/// the operation is cancelled and abandoned; its result, if it ever comes, is
/// dropped.
public enum TimeLimit {
    /// Thrown when the operation did not finish within its limit.
    public struct Exceeded: Error, CustomStringConvertible {
        public let limit: Duration
        public var description: String { "no answer within \(limit)" }
    }

    /// The operation's result or error, or ``Exceeded`` after `limit`.
    public static func run<T: Sendable>(_ limit: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        try await run(limit, interruptedBy: { _ in }, operation)
    }

    /// Like ``run(_:_:)``, and also ended early by `interrupt`: it is handed a
    /// function that, when called with an error (at once or later, from any
    /// thread), finishes the race with that error. A database call uses it to
    /// fail the moment its connection closes, instead of waiting out the limit.
    /// With no `limit`, only `interrupt` (or cancellation) can end a wait.
    public static func run<T: Sendable>(
        _ limit: Duration?,
        interruptedBy interrupt: (@escaping @Sendable (any Error) -> Void) -> Void,
        _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let race = Race<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                // Installed before either task exists: whichever finishes first takes it.
                race.install(continuation)
                let work = Task {
                    do {
                        race.finish(.success(try await operation()))
                    } catch {
                        race.finish(.failure(error))
                    }
                }
                let timer = limit.map { limit in
                    Task {
                        try? await Task.sleep(for: limit)
                        guard !Task.isCancelled else { return }
                        race.finish(.failure(Exceeded(limit: limit)))
                    }
                }
                race.track([work] + (timer.map { [$0] } ?? []))
                interrupt { error in race.finish(.failure(error)) }
            }
        } onCancel: {
            race.finish(.failure(CancellationError()))
        }
    }

    /// The continuation and the two tasks racing for it; the first to finish resumes it and cancels both.
    private final class Race<T: Sendable>: Sendable {
        private struct State {
            var continuation: CheckedContinuation<T, any Error>?
            var tasks: [Task<Void, Never>] = []
            var done = false
        }

        private let state = Mutex(State())

        /// Only a cancellation can finish the race before this; the caller then gets `CancellationError`.
        func install(_ continuation: CheckedContinuation<T, any Error>) {
            let cancelled = state.withLock { state in
                if !state.done { state.continuation = continuation }
                return state.done
            }
            if cancelled { continuation.resume(throwing: CancellationError()) }
        }

        func track(_ tasks: [Task<Void, Never>]) {
            let cancelNow = state.withLock { state in
                state.tasks = tasks
                return state.done
            }
            if cancelNow { tasks.forEach { $0.cancel() } }
        }

        func finish(_ result: Result<T, any Error>) {
            let (continuation, tasks) = state.withLock { state in
                state.done = true
                defer {
                    state.continuation = nil
                    state.tasks = []
                }
                return (state.continuation, state.tasks)
            }
            continuation?.resume(with: result)
            tasks.forEach { $0.cancel() }
        }
    }
}
