import NIOCore
import NIOPosix
import Synchronization

/// Runs an operation with a time limit that holds even when the operation does
/// not react to cancellation (a query on a connection the server has just
/// dropped can wait forever: seen after PostgreSQL restarts).
///
/// This is the project's one deliberate unstructured task: a task group would
/// wait for its child, which is exactly what must not happen here. On time-out
/// the operation is cancelled and abandoned; its result, if it ever comes, is
/// dropped.
///
/// The limit is a task scheduled on a NIO event loop (the process's shared group,
/// which the HTTP server and the database pool already run on), cancelled — and
/// freed — as soon as the operation finishes. A sleeping Swift task would not do:
/// a cancelled `Task.sleep` keeps its memory until its deadline (Swift issue
/// #60441), so every database call kept a task alive for the 30 s limit — about
/// 250 MiB and a timer heap of 170,000 entries at 2,800 writes/s.
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
                    MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: TimeAmount(limit)) {
                        race.finish(.failure(Exceeded(limit: limit)))
                    }
                }
                race.track(work, timer: timer)
                interrupt { error in race.finish(.failure(error)) }
            }
        } onCancel: {
            race.finish(.failure(CancellationError()))
        }
    }

    /// The continuation and the operation and timer racing for it; the first to finish resumes it and cancels both.
    private final class Race<T: Sendable>: Sendable {
        private struct State {
            var continuation: CheckedContinuation<T, any Error>?
            var work: Task<Void, Never>?
            var timer: Scheduled<Void>?
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

        func track(_ work: Task<Void, Never>, timer: Scheduled<Void>?) {
            let cancelNow = state.withLock { state in
                if !state.done {
                    state.work = work
                    state.timer = timer
                }
                return state.done
            }
            if cancelNow {
                work.cancel()
                timer?.cancel()
            }
        }

        func finish(_ result: Result<T, any Error>) {
            let (continuation, work, timer) = state.withLock { state in
                state.done = true
                defer {
                    state.continuation = nil
                    state.work = nil
                    state.timer = nil
                }
                return (state.continuation, state.work, state.timer)
            }
            continuation?.resume(with: result)
            work?.cancel()
            timer?.cancel()
        }
    }
}
